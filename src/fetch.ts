/**
 * The fetch stage, and the only module that uses the network. One call
 * fetches one feed politely and safely:
 *
 * - conditional GET with the ETag and Last-Modified we hold (both are sent:
 *   RFC 9110 §13.1.1/§13.1.3 let a server change either without the other);
 * - redirects followed by hand (at most `maxRedirects`), each hop checked
 *   against the URL policy, and a permanent (301/308) target reported so the
 *   orchestrator can adopt it once it has been seen often enough;
 * - a timeout covering headers and body, cut short by the run's deadline;
 * - the body read as a stream and abandoned as soon as it passes `maxBodyBytes`;
 * - Retry-After, Cache-Control max-age and Expires read off the response.
 *
 * The fetch function itself is injected, so tests can count requests.
 */
import { FeedError } from './errors';

export type FetchFn = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export interface FetchOptions {
  etag: string | null;
  lastModified: string | null;
  timeoutMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  allowPrivate: boolean;
  userAgent: string;
  now: Date;
  /** Called before every request (redirect hops included); false means the run's subrequest budget is spent. */
  acquireSubrequest?: () => boolean;
}

export interface FetchOk {
  kind: 'ok';
  status: number;
  body: Uint8Array;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
  finalUrl: string;
  /** Target of a permanent redirect on the way, if any. */
  permanentRedirect: string | null;
  /** Seconds of freshness the server granted (Cache-Control max-age or Expires). */
  freshnessSeconds: number | null;
  requests: number;
}

export interface FetchNotModified {
  kind: 'not-modified';
  status: 304;
  etag: string | null;
  lastModified: string | null;
  finalUrl: string;
  permanentRedirect: string | null;
  freshnessSeconds: number | null;
  requests: number;
}

export type FetchOutcome = FetchOk | FetchNotModified;

/** A failed fetch, with how many requests it cost (redirect hops count). */
export class FetchFailure extends FeedError {
  requests = 1;
}

const CONNECT_RETRY_DELAY_MS = 300;

// ---- URL policy -----------------------------------------------------------

function ipv4Private(host: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19)) || a >= 224;
}

function ipv6Private(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (!h.includes(':')) return false;
  if (h === '::' || h === '::1') return true;
  if (/^f[cd]/.test(h) || /^fe[89ab]/.test(h)) return true; // unique local, link-local
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? ipv4Private(mapped[1]) : false;
}

/**
 * Why a URL may not be fetched, or null if it may. Only http(s), no
 * credentials, and (unless allowed) no loopback, private, link-local or
 * `.local`/`.internal` hosts. Workers cannot resolve DNS first, so a public
 * name pointing at a private address is not caught here; Cloudflare's edge
 * refuses those connections itself.
 */
export function urlPolicyViolation(raw: string, allowPrivate: boolean): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not an absolute URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol} is not http(s)`;
  if (u.username || u.password) return 'credentials in URLs are not accepted';
  if (allowPrivate) return null;
  const host = u.hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') ||
    ipv4Private(host) || ipv6Private(host) || !host.includes('.') && !host.includes(':')) {
    return `host ${host} is loopback, private or link-local (set ALLOW_PRIVATE_SOURCES=true for local development)`;
  }
  return null;
}

// ---- response headers -----------------------------------------------------

/** Retry-After as seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP-date). */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, Math.round((t - now.getTime()) / 1000));
}

/** Freshness lifetime from Cache-Control max-age, else Expires - Date (RFC 9111 §4.2.1). */
export function freshnessSeconds(headers: Headers, now: Date): number | null {
  const cc = headers.get('cache-control');
  if (cc) {
    if (/(?:^|,)\s*(?:no-store|no-cache)\b/i.test(cc)) return 0;
    const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)/i.exec(cc);
    if (m) return Number(m[1]);
  }
  const exp = headers.get('expires');
  if (exp) {
    const t = Date.parse(exp);
    if (Number.isNaN(t)) return 0;
    const date = Date.parse(headers.get('date') ?? '');
    const base = Number.isNaN(date) ? now.getTime() : date;
    return Math.max(0, Math.round((t - base) / 1000));
  }
  return null;
}

// ---- the fetch ------------------------------------------------------------

async function readCapped(res: Response, max: number, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new FetchFailure('TOO_LARGE', 'fetch', `Content-Length ${declared} exceeds the ${max}-byte limit`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => {});
        throw new FetchFailure('TOO_LARGE', 'fetch', `body passed the ${max}-byte limit; stopped reading`);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock?.();
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

function statusError(status: number, retryAfter: number | null, url: string): FetchFailure {
  const opts = { status, retryAfterSeconds: retryAfter };
  switch (status) {
    case 404:
      return new FetchFailure('NOT_FOUND', 'fetch', `HTTP 404 from ${url}`, opts);
    case 410:
      return new FetchFailure('GONE', 'fetch', `HTTP 410 Gone from ${url}: the publisher removed this feed`, opts);
    case 429:
      return new FetchFailure('RATE_LIMITED', 'fetch', `HTTP 429 from ${url}${retryAfter !== null ? `; Retry-After ${retryAfter}s` : ''}`, opts);
    case 503:
      return new FetchFailure('UNAVAILABLE', 'fetch', `HTTP 503 from ${url}${retryAfter !== null ? `; Retry-After ${retryAfter}s` : ''}`, opts);
    default:
      return new FetchFailure('HTTP_ERROR', 'fetch', `HTTP ${status} from ${url}`, opts);
  }
}

export async function fetchFeed(fetchFn: FetchFn, url: string, opts: FetchOptions): Promise<FetchOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new FetchFailure('TIMEOUT', 'fetch', `no complete response within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  let current = url;
  let requests = 0;
  let permanentRedirect: string | null = null;
  let allPermanent = true;
  try {
    for (let hop = 0; ; hop++) {
      const violation = urlPolicyViolation(current, opts.allowPrivate);
      if (violation) throw new FetchFailure('BLOCKED_URL', 'fetch', `${current}: ${violation}`);
      const headers: Record<string, string> = {
        'User-Agent': opts.userAgent,
        Accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.7, */*;q=0.5',
      };
      // Validators belong to the URL they came from; after a redirect they still describe the
      // same feed, so they are sent on every hop.
      if (opts.etag) headers['If-None-Match'] = opts.etag;
      if (opts.lastModified) headers['If-Modified-Since'] = opts.lastModified;
      let res: Response | null = null;
      // A connection that fails before any response (reset, refused, dropped) is retried once
      // after a short pause: GET is idempotent and such failures are often momentary.
      for (let attempt = 0; res === null; attempt++) {
        if (opts.acquireSubrequest && !opts.acquireSubrequest()) {
          throw new FetchFailure('BUDGET_EXHAUSTED', 'fetch', `the run's subrequest budget ran out before ${current}`);
        }
        requests++;
        try {
          res = await fetchFn(current, { method: 'GET', headers, redirect: 'manual', signal: controller.signal });
        } catch (err) {
          if (controller.signal.aborted) throw controller.signal.reason;
          if (attempt === 0) {
            await new Promise((r) => setTimeout(r, CONNECT_RETRY_DELAY_MS));
            continue;
          }
          const msg = err instanceof Error ? err.message : String(err);
          throw new FetchFailure('CONNECTION_FAILED', 'fetch', `${current}: ${msg.slice(0, 200)}`, { cause: err });
        }
      }
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        const loc = res.headers.get('location');
        await res.body?.cancel().catch(() => {});
        if (!loc) throw new FetchFailure('HTTP_ERROR', 'fetch', `HTTP ${res.status} without a Location header from ${current}`, { status: res.status });
        if (hop >= opts.maxRedirects) throw new FetchFailure('TOO_MANY_REDIRECTS', 'fetch', `more than ${opts.maxRedirects} redirects starting at ${url}`, { status: res.status });
        const next = new URL(loc, current).href;
        // A chain only counts as a permanent move if every hop on it was permanent.
        allPermanent = allPermanent && (res.status === 301 || res.status === 308);
        permanentRedirect = allPermanent ? next : null;
        current = next;
        continue;
      }
      const fresh = freshnessSeconds(res.headers, opts.now);
      if (res.status === 304) {
        await res.body?.cancel().catch(() => {});
        return {
          kind: 'not-modified', status: 304, etag: res.headers.get('etag') ?? opts.etag,
          lastModified: res.headers.get('last-modified') ?? opts.lastModified, finalUrl: current, permanentRedirect,
          freshnessSeconds: fresh, requests,
        };
      }
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel().catch(() => {});
        throw statusError(res.status, parseRetryAfter(res.headers.get('retry-after'), opts.now), current);
      }
      const body = await readCapped(res, opts.maxBodyBytes, controller.signal);
      return {
        kind: 'ok', status: res.status, body, contentType: res.headers.get('content-type'), etag: res.headers.get('etag'),
        lastModified: res.headers.get('last-modified'), finalUrl: current, permanentRedirect, freshnessSeconds: fresh, requests,
      };
    }
  } catch (err) {
    const failure = err instanceof FetchFailure ? err
      : controller.signal.aborted && controller.signal.reason instanceof FetchFailure ? controller.signal.reason
      : new FetchFailure('CONNECTION_FAILED', 'fetch', `${current}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300), { cause: err });
    failure.requests = Math.max(1, requests);
    throw failure;
  } finally {
    clearTimeout(timer);
  }
}
