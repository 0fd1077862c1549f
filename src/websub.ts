/**
 * WebSub (W3C Recommendation, 23 January 2018), the network half. It runs in
 * the Worker, never in the catalog object: the object decides what is due and
 * records what happened (websub-state.ts, store/object.ts), this module sends
 * the requests and checks signatures.
 *
 * Publisher. With WEBSUB_HUBS and PUBLIC_URL set, the unfiltered feeds carry
 * `rel="hub"` and `rel="self"` (render/view.ts hubLinks) and are the topics.
 * When a publish changes a topic's first page, the object queues the topic;
 * after the run (or push) this module sends each hub a publish ping,
 * `hub.mode=publish` with the topic as `hub.url` and `hub.topic` (the spec
 * leaves the ping's form to hubs; those two names are what hubs read). A
 * topic stays queued until every hub took it, so a failure is retried by the
 * next run; it never fails the run.
 *
 * Subscriber. Requests (§5.1) are form posts with hub.callback (a token per
 * subscription), hub.mode, hub.topic, hub.lease_seconds and hub.secret; a
 * 2xx is success (the hub verifies asynchronously, §5.3). A distributed body
 * (§7) is taken only with a valid X-Hub-Signature (§8: sha1, sha256, sha384
 * or sha512 HMAC of the body under the subscription's secret), compared in
 * constant time (sameBytes). Hub URLs come from feeds, so they pass the same URL policy
 * as a fetch, and redirects are not followed.
 */
import type { Config, RunConfig } from './config';
import type { FetchFn } from './fetch';
import { urlPolicyViolation } from './fetch';
import type { CatalogApi } from './store/object';

/** The hubs to advertise and ping: none unless PUBLIC_URL fixes the topics' URLs. */
export function topicHubs(cfg: Pick<Config, 'publicUrl' | 'websubHubs'>): string[] {
  return cfg.publicUrl ? cfg.websubHubs : [];
}

export function callbackUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/websub/callback/${token}`;
}

/** One subscription request the writer found due (store/object.ts websubWork). */
export interface SubscriptionRequest {
  token: string;
  mode: 'subscribe' | 'unsubscribe';
  hub: string;
  topic: string;
  secret: string;
}

/** What one WebSub step did, for the run's log line. */
export interface WebsubReport {
  pingsSent: number;
  pingsFailed: number;
  requestsSent: number;
  requestsFailed: number;
}

export const emptyWebsubReport = (): WebsubReport => ({ pingsSent: 0, pingsFailed: 0, requestsSent: 0, requestsFailed: 0 });

/** At most this many WebSub requests in one step, however many are due (the rest wait for the next run). */
export const WEBSUB_STEP_MAX = 10;

type PostResult = { ok: true } | { ok: false; code: string; message: string };

/** POST a form, with the run's timeout, no redirects; any 2xx is success. */
async function postForm(fetchFn: FetchFn, url: string, form: URLSearchParams, cfg: Pick<RunConfig, 'fetchTimeoutMs' | 'userAgent'>): Promise<PostResult> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), cfg.fetchTimeoutMs);
  try {
    const res = await fetchFn(url, {
      method: 'POST', body: form.toString(), redirect: 'manual', signal: ctrl.signal,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': cfg.userAgent },
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    return { ok: false, code: 'HUB_REFUSED', message: `websub: ${url} answered ${res.status}` };
  } catch (err) {
    const aborted = ctrl.signal.aborted;
    return { ok: false, code: aborted ? 'TIMEOUT' : 'CONNECTION_FAILED', message: `websub: ${url}: ${aborted ? 'no answer in time' : err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** A publish ping for one topic (see the module comment). */
export function sendPing(fetchFn: FetchFn, hub: string, topic: string, cfg: RunConfig): Promise<PostResult> {
  return postForm(fetchFn, hub, new URLSearchParams([['hub.mode', 'publish'], ['hub.url', topic], ['hub.topic', topic]]), cfg);
}

/** §5.1 subscriber sends a subscription request. */
export function sendRequest(fetchFn: FetchFn, req: SubscriptionRequest, cfg: RunConfig & { publicUrl: string }): Promise<PostResult> {
  const violation = urlPolicyViolation(req.hub, cfg.allowPrivateSources);
  if (violation) return Promise.resolve({ ok: false, code: 'URL_NOT_ALLOWED', message: `websub: hub ${req.hub}: ${violation}` });
  const form = new URLSearchParams([
    ['hub.callback', callbackUrl(cfg.publicUrl, req.token)],
    ['hub.mode', req.mode],
    ['hub.topic', req.topic],
  ]);
  if (req.mode === 'subscribe') {
    form.set('hub.lease_seconds', String(cfg.websubLeaseSeconds));
    form.set('hub.secret', req.secret);
  }
  return postForm(fetchFn, req.hub, form, cfg);
}

export interface WebsubDeps {
  catalog: CatalogApi;
  fetch: FetchFn;
}

/**
 * Send what the writer says is due (publish pings, subscription requests), at most `budget`
 * requests, and report the outcome back to it. Never throws: whatever fails is retried by a
 * later run.
 */
export async function websubStep(deps: WebsubDeps, cfg: RunConfig, now: Date, budget: number): Promise<WebsubReport> {
  const report = emptyWebsubReport();
  const hubs = topicHubs(cfg);
  if (!cfg.publicUrl || budget <= 0) return report;
  const publicUrl = cfg.publicUrl;
  try {
    const work = await deps.catalog.websubWork({ now: now.toISOString(), config: cfg, maxRequests: Math.min(budget, WEBSUB_STEP_MAX) });
    let left = budget;
    const sent: string[] = [];
    for (const path of work.pings) {
      if (left < hubs.length || !hubs.length) break;
      left -= hubs.length;
      const topic = `${publicUrl}${path}`;
      const results = await Promise.all(hubs.map((h) => sendPing(deps.fetch, h, topic, cfg)));
      if (results.every((r) => r.ok)) {
        sent.push(path);
        report.pingsSent++;
      } else {
        report.pingsFailed++;
        console.error(JSON.stringify({ websub: 'ping failed', topic, errors: results.filter((r) => !r.ok) }));
      }
    }
    const failures: Array<{ token: string; code: string; message: string }> = [];
    for (const req of work.requests.slice(0, Math.max(0, left))) {
      const r = await sendRequest(deps.fetch, req, { ...cfg, publicUrl });
      report.requestsSent++;
      if (!r.ok) {
        report.requestsFailed++;
        failures.push({ token: req.token, code: r.code, message: r.message });
      }
    }
    // Requests beyond what was sent were marked as sent by websubWork: report them as not sent.
    const unsent = work.requests.slice(Math.max(0, left)).map((r) => r.token);
    await deps.catalog.websubSettle({ now: now.toISOString(), config: cfg, pingsSent: sent, failures, unsent });
  } catch (err) {
    console.error(JSON.stringify({ websub: 'step failed', error: err instanceof Error ? err.message : String(err) }));
  }
  return report;
}

// ---- signatures (§8) -------------------------------------------------------------------

const HMAC_HASHES: Record<string, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

function hexBytes(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function hmac(secret: string, body: Uint8Array, hash: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, body));
}

/**
 * Equal bytes, in time that depends only on the length (which the hash fixes, so it tells an
 * attacker nothing): every byte is compared, none returns early.
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Check `X-Hub-Signature: <method>=<hex>` over the raw body (§8), comparing in constant time. */
export async function verifySignature(secret: string, body: Uint8Array, header: string | null): Promise<'ok' | 'missing' | 'mismatch' | 'unsupported'> {
  if (!header) return 'missing';
  const m = /^\s*([a-z0-9]+)=([0-9a-fA-F]+)\s*$/.exec(header);
  if (!m) return 'mismatch';
  const hash = HMAC_HASHES[m[1].toLowerCase()];
  if (!hash) return 'unsupported';
  const sig = hexBytes(m[2]);
  if (!sig) return 'mismatch';
  return sameBytes(await hmac(secret, body, hash), sig) ? 'ok' : 'mismatch';
}

/** The signature a hub sends (the fixture hub and tests use it too). */
export async function signBody(secret: string, body: Uint8Array, method: 'sha1' | 'sha256' | 'sha384' | 'sha512' = 'sha256'): Promise<string> {
  const mac = await hmac(secret, body, HMAC_HASHES[method]);
  return `${method}=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
