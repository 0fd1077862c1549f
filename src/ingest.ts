/**
 * The fetching half of a run, outside the writer: for each planned source,
 * fetch -> parse -> normalize, within the run's subrequest budget, its
 * connection limits and its deadline. Each source is isolated: whatever goes
 * wrong becomes that source's outcome (a coded failure), never the run's.
 * Outcomes carry facts, not new states: the writer (commit.ts) applies them
 * to the state as it is when they arrive.
 */
import type { RunConfig } from './config';
import { asFeedError, FeedError } from './errors';
import { FetchFailure, fetchFeed, type FetchFn } from './fetch';
import { sha256Hex } from './hash';
import type { IngestWarning, Source, SourceOutcome, SourceState } from './model';
import type { Warn } from './normalize/limits';
import { feedTitleText, normalizeFeed } from './normalize/index';
import { decodeTransport, parseFeedBody } from './parse/index';

export interface IngestDeps {
  fetch: FetchFn;
  config: RunConfig;
  /** Wall clock, used only to enforce the deadline. */
  clock: () => number;
}

export interface IngestResult {
  subrequests: number;
  retries: number;
  deadlineHit: boolean;
}

function outcome(source: Source, kind: SourceOutcome['kind'], over: Partial<SourceOutcome> = {}): SourceOutcome {
  return {
    id: source.id, configuredUrl: source.url, kind, success: null, failure: null, entries: [], warnings: [],
    requests: 0, retries: 0, conditional: false, bytes: 0, ...over,
  };
}

/** Fetch, parse and normalize one source. Never throws: failures become the source's outcome. */
export async function ingestSource(
  deps: Pick<IngestDeps, 'fetch' | 'config'>, source: Source, state: SourceState, now: Date, deadlineMs: number, acquire: () => boolean,
): Promise<SourceOutcome> {
  const cfg = deps.config;
  const conditional = Boolean(state.etag || state.lastModified);
  let requests = 0;
  let retries = 0;
  let bytes = 0;
  try {
    const res = await fetchFeed(deps.fetch, state.url, {
      etag: state.etag, lastModified: state.lastModified, timeoutMs: cfg.fetchTimeoutMs, deadlineMs, maxBodyBytes: cfg.maxBodyBytes,
      maxRedirects: cfg.maxRedirects, allowPrivate: cfg.allowPrivateSources, userAgent: cfg.userAgent, now, acquireSubrequest: acquire,
    });
    ({ requests, retries } = res);
    const base = { status: res.status, etag: res.etag, lastModified: res.lastModified, freshnessSeconds: res.freshnessSeconds, permanentRedirect: res.permanentRedirect };
    const counts = { requests, retries, conditional };
    if (res.kind === 'not-modified') return outcome(source, 'not-modified', { success: base, ...counts });
    bytes = res.body.byteLength;
    // A 200 whose bytes are the ones we parsed last time costs a hash, not a parse.
    const bodyHash = await sha256Hex(res.body);
    if (bodyHash === state.bodyHash) return outcome(source, 'unchanged-body', { success: { ...base, unchangedBody: true }, ...counts, bytes });
    const { feed, repaired, entries, warnings, title } = await readBody(res.body, res.contentType, source, res.finalUrl, now);
    const parsed = {
      bodyHash, ttlMinutes: feed.ttlMinutes, skipHours: feed.skipHours, skipDays: feed.skipDays, title,
      link: feed.link, language: feed.language, items: feed.items.length, changedEntries: 0, repaired,
      // WebSub §5.1: the topic is the feed's self URL, else the URL it was fetched from.
      ...(feed.hubs?.length ? { hubs: feed.hubs, topic: feed.self ?? res.finalUrl } : {}),
    };
    return outcome(source, 'parsed', { success: { ...base, parsed }, entries, warnings, ...counts, bytes });
  } catch (err) {
    if (err instanceof FetchFailure) ({ requests, retries } = err);
    const fe = asFeedError(err, err instanceof FetchFailure ? 'fetch' : 'parse');
    const failure = { code: fe.code, stage: fe.stage, message: fe.message, status: fe.status, retryAfterSeconds: fe.retryAfterSeconds };
    // Running out of budget or run time is not the source's fault: no failure, no backoff.
    const kind = fe.code === 'BUDGET_EXHAUSTED' || fe.code === 'DEADLINE' ? 'deferred' : 'failed';
    return outcome(source, kind, { failure, requests, retries, conditional, bytes });
  }
}

/**
 * Parse and normalize a feed body: what a fetch and a WebSub push (websub-routes.ts) both do
 * with the bytes they got. Throws a coded FeedError when nothing can be read.
 */
export async function readBody(body: Uint8Array, contentType: string | null, source: Source, feedUrl: string, now: Date) {
  // A gzip body sent without Content-Encoding is unwrapped before the charset is sniffed.
  const { feed, repaired } = parseFeedBody(await decodeTransport(body), contentType);
  // Repair keeps what a broken document still holds; one that yields no item at all is a failure.
  if (repaired && feed.items.length === 0) throw new FeedError('INVALID_FEED', 'parse', 'malformed XML with no complete item to recover');
  const warnings: IngestWarning[] = [];
  const warn: Warn = (w) => {
    warnings.push({ code: w.code, message: `normalize: ${w.field}${w.itemId ? ` of ${w.itemId}` : ''} cut to its limit of ${w.limit}` });
  };
  const entries = normalizeFeed(feed, { source, feedUrl, now, warn });
  return { feed, repaired, entries, warnings, title: feedTitleText(feed, warn) };
}

/**
 * Ingest a list of sources within the budget and before `fetchDeadline` (a `deps.clock` time),
 * handing each outcome to `sink` as soon as it is ready (so a large run never holds every
 * source's entries at once). Sources never started, or cut off by the budget or the deadline,
 * come back as 'deferred'.
 */
export async function ingestAll(
  deps: IngestDeps, items: Array<{ source: Source; state: SourceState }>, now: Date, fetchDeadline: number, sink: (o: SourceOutcome) => Promise<void>,
): Promise<IngestResult> {
  const cfg = deps.config;
  const result: IngestResult = { subrequests: 0, retries: 0, deadlineHit: false };
  const acquire = () => (result.subrequests < cfg.subrequestBudget ? (result.subrequests++, true) : false);
  await pool(items, cfg.fetchConcurrency, cfg.fetchPerHost, (it) => hostOf(it.state.url), async ({ source, state }) => {
    const remaining = fetchDeadline - deps.clock();
    if (remaining <= 0 || result.subrequests >= cfg.subrequestBudget) {
      if (remaining <= 0) result.deadlineHit = true;
      await sink(outcome(source, 'deferred'));
      return;
    }
    const o = await ingestSource(deps, source, state, now, remaining, acquire);
    if (o.failure?.code === 'DEADLINE') result.deadlineHit = true;
    result.retries += o.retries;
    await sink(o);
  });
  return result;
}

/**
 * Run `worker` over `items` with at most `limit` in flight (Workers allow 6 open connections),
 * and at most `perKey` in flight for items sharing a key (one host: being polite to a server
 * that hosts many of our feeds, and not overrunning small servers' listen queues).
 */
async function pool<T>(items: T[], limit: number, perKey: number, keyOf: (item: T) => string, worker: (item: T) => Promise<void>): Promise<void> {
  const waiting = [...items];
  const busy = new Map<string, number>();
  let active = 0;
  return new Promise<void>((resolve, reject) => {
    const launch = () => {
      if (!waiting.length && active === 0) return resolve();
      while (active < limit) {
        const i = waiting.findIndex((it) => (busy.get(keyOf(it)) ?? 0) < perKey);
        if (i < 0) return;
        const [item] = waiting.splice(i, 1);
        const key = keyOf(item);
        busy.set(key, (busy.get(key) ?? 0) + 1);
        active++;
        worker(item).then(() => {
          active--;
          busy.set(key, busy.get(key)! - 1);
          launch();
        }, reject);
      }
    };
    launch();
  });
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
