/**
 * Source health, pure: the state transitions after each kind of fetch result,
 * and the summaries /healthz and /admin/sources show. Each transition returns
 * whether it changed something worth a KV write ("hard") or only timestamps
 * and validators that can wait for the next write ("soft"), which is how a
 * run where nothing changed ends with zero writes.
 */
import type { Config } from './config';
import type { FeedError } from './errors';
import type { Source, SourceState } from './model';
import { backoffMinutes, chooseInterval, nextDueAt } from './schedule';

const DAY = 86_400_000;
/** Longest Retry-After we honour; a server asking for more is treated as asking for a week. */
const MAX_RETRY_AFTER_S = 7 * 86_400;

export function freshState(source: Source, cfg: Config): SourceState {
  return {
    id: source.id,
    configuredUrl: source.url,
    url: source.url,
    etag: null,
    lastModified: null,
    bodyHash: null,
    lastFetchAt: null,
    lastStatus: null,
    lastSuccessAt: null,
    lastChangeAt: null,
    consecutiveFailures: 0,
    firstFailureAt: null,
    lastError: null,
    notBefore: null,
    intervalMinutes: chooseInterval(null, null, cfg),
    feedTtlMinutes: null,
    itemsInFeed: null,
    skipHours: [],
    skipDays: [],
    paused: false,
    redirect: null,
    feedTitle: null,
    feedLink: null,
    language: null,
  };
}

export interface Transition {
  state: SourceState;
  /** True when the change must be persisted; false when it can ride along with the next write. */
  hard: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface SuccessInfo {
  status: number;
  etag: string | null;
  lastModified: string | null;
  freshnessSeconds: number | null;
  permanentRedirect: string | null;
  /** Present when a body was parsed. */
  parsed?: {
    bodyHash: string;
    ttlMinutes: number | null;
    skipHours: number[];
    skipDays: string[];
    title: string | null;
    link: string | null;
    language: string | null;
    items: number;
    changedEntries: number;
  };
  /** Present when a 200 body was identical to the last parsed one. */
  unchangedBody?: boolean;
}

export function onSuccess(prev: SourceState, info: SuccessInfo, now: Date, cfg: Config): Transition {
  const at = now.toISOString();
  const s: SourceState = { ...prev, lastFetchAt: at, lastStatus: info.status, lastSuccessAt: at };
  let hard = prev.consecutiveFailures > 0 || prev.lastError !== null || prev.notBefore !== null;
  s.consecutiveFailures = 0;
  s.firstFailureAt = null;
  s.lastError = null;
  s.notBefore = null;
  // Validators: learning one we did not have is worth a write (it turns future fetches into
  // 304s); a changed validator on an unchanged body is not (servers that rotate ETags would
  // otherwise cost a write per fetch), so it is kept softly.
  if (info.etag !== prev.etag) {
    s.etag = info.etag;
    if (!prev.etag && info.etag) hard = true;
  }
  if (info.lastModified !== prev.lastModified) {
    s.lastModified = info.lastModified;
    if (!prev.lastModified && info.lastModified) hard = true;
  }
  if (info.parsed) {
    const p = info.parsed;
    s.bodyHash = p.bodyHash;
    s.feedTtlMinutes = p.ttlMinutes;
    s.skipHours = p.skipHours;
    s.skipDays = p.skipDays;
    s.feedTitle = p.title;
    s.feedLink = p.link;
    s.language = p.language;
    s.itemsInFeed = p.items;
    if (p.changedEntries > 0) {
      s.lastChangeAt = at;
      hard = true;
    }
    if (!same([prev.feedTtlMinutes, prev.skipHours, prev.skipDays, prev.feedTitle, prev.feedLink, prev.language, prev.itemsInFeed],
      [s.feedTtlMinutes, s.skipHours, s.skipDays, s.feedTitle, s.feedLink, s.language, s.itemsInFeed])) hard = true;
  }
  s.intervalMinutes = chooseInterval(s.feedTtlMinutes, info.freshnessSeconds, cfg);
  if (s.intervalMinutes !== prev.intervalMinutes) hard = true;
  // Permanent redirects: adopt the new URL once it has been seen `redirectUpdateAfter` runs in a row.
  if (info.permanentRedirect && info.permanentRedirect !== s.url) {
    const count = prev.redirect?.url === info.permanentRedirect ? prev.redirect.count + 1 : 1;
    if (count >= cfg.redirectUpdateAfter) {
      s.url = info.permanentRedirect;
      s.redirect = null;
    } else {
      s.redirect = { url: info.permanentRedirect, count };
    }
    hard = true;
  } else if (prev.redirect) {
    s.redirect = null;
    hard = true;
  }
  return { state: s, hard };
}

export function onFailure(prev: SourceState, err: FeedError, now: Date, cfg: Config): Transition {
  const at = now.toISOString();
  const failures = prev.consecutiveFailures + 1;
  const firstFailureAt = prev.firstFailureAt ?? at;
  let waitMs = backoffMinutes(failures, prev.id, cfg) * 60_000;
  if (err.retryAfterSeconds !== null) waitMs = Math.max(waitMs, Math.min(err.retryAfterSeconds, MAX_RETRY_AFTER_S) * 1000);
  // 410 Gone is the publisher saying the feed will not come back: pause at once.
  const paused = err.code === 'GONE' || now.getTime() - Date.parse(firstFailureAt) >= cfg.pauseAfterDays * DAY;
  return {
    state: {
      ...prev,
      lastFetchAt: at,
      lastStatus: err.status,
      consecutiveFailures: failures,
      firstFailureAt,
      lastError: err.toRecord(now),
      notBefore: new Date(now.getTime() + waitMs).toISOString(),
      paused,
      // A failing fetch proves nothing about the body we hold; keep its hash and validators.
    },
    hard: true,
  };
}

export type HealthStatus = 'healthy' | 'failing' | 'paused' | 'new';

export function statusOf(s: SourceState): HealthStatus {
  if (s.paused) return 'paused';
  if (s.consecutiveFailures > 0) return 'failing';
  if (!s.lastFetchAt) return 'new';
  return 'healthy';
}

export function healthCounts(states: SourceState[]): Record<HealthStatus, number> {
  const c: Record<HealthStatus, number> = { healthy: 0, failing: 0, paused: 0, new: 0 };
  for (const s of states) c[statusOf(s)]++;
  return c;
}

/** The admin view of one source. */
export function describeSource(source: Source, s: SourceState, entries: number, now: Date, cfg: Config) {
  return {
    id: source.id,
    title: source.title ?? s.feedTitle,
    url: source.url,
    fetch_url: s.url,
    home_page_url: source.home_page_url ?? s.feedLink,
    category: source.category,
    status: statusOf(s),
    last_fetch_at: s.lastFetchAt,
    last_status: s.lastStatus,
    last_success_at: s.lastSuccessAt,
    last_change_at: s.lastChangeAt,
    consecutive_failures: s.consecutiveFailures,
    failing_since: s.firstFailureAt,
    last_error: s.lastError,
    next_due_at: nextDueAt(s, now, cfg),
    not_before: s.notBefore,
    interval_minutes: s.intervalMinutes,
    etag: s.etag,
    last_modified: s.lastModified,
    pending_redirect: s.redirect,
    items_in_feed: s.itemsInFeed,
    entries_stored: entries,
  };
}
