/**
 * Source health, pure: the state transitions after each kind of fetch result,
 * and the summaries /healthz and /admin/sources show. Each transition says
 * whether it changed something worth a KV write ("hard") or only timestamps
 * and validators that can wait for the next write ("soft"), which is how a
 * run where nothing changed ends with zero writes.
 *
 * Hard: a failure (backoff, Retry-After, pause), a recovery, new entries,
 * feed metadata, a validator learned for the first time or changed together
 * with the body, a longer interval, a permanent redirect being counted,
 * leaving or entering the "deferred"/"queued" states. Soft: fetch timestamps,
 * a validator that rotated over an identical body, a shorter interval.
 */
import type { RunConfig } from './config';
import type { ErrorRecord, FetchFailureInfo, Source, SourceState, SuccessFacts } from './model';
import { backoffMinutes, chooseInterval, nextDueAt, overdueSince } from './schedule';

const DAY = 86_400_000;
/** Longest Retry-After we honour; a server asking for more is treated as asking for a week. */
const MAX_RETRY_AFTER_S = 7 * 86_400;

export function freshState(source: Source, cfg: RunConfig): SourceState {
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
    dueSince: null,
    queuedAt: null,
    intervalMinutes: chooseInterval(null, null, cfg),
    freshnessSeconds: null,
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

/** A state read from an older health record, with the fields added since filled in. */
export function withDefaults(s: SourceState): SourceState {
  return { ...s, dueSince: s.dueSince ?? null, queuedAt: s.queuedAt ?? null, freshnessSeconds: s.freshnessSeconds ?? null, lastWarning: s.lastWarning ?? null };
}

export interface Transition {
  state: SourceState;
  /** True when the change must be persisted; false when it can ride along with the next write. */
  hard: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What a successful fetch tells the state (model.ts SuccessFacts), plus any ingest warning. */
export type SuccessInfo = SuccessFacts & { warning?: ErrorRecord | null };

export function onSuccess(prev: SourceState, info: SuccessInfo, now: Date, cfg: RunConfig): Transition {
  const at = now.toISOString();
  const s: SourceState = { ...prev, lastFetchAt: at, lastStatus: info.status, lastSuccessAt: at };
  // A recovery resets the counters (and is worth a write); so is leaving the deferred or queued state.
  let hard = prev.consecutiveFailures > 0 || prev.lastError !== null || prev.notBefore !== null || !!prev.dueSince || !!prev.queuedAt;
  s.consecutiveFailures = 0;
  s.firstFailureAt = null;
  s.lastError = null;
  s.notBefore = null;
  s.dueSince = null;
  s.queuedAt = null;
  // Validators. Learning one we did not have turns future fetches into 304s: worth a write. A new
  // validator that came with a new body is a real revision, also worth a write (otherwise every
  // poll until the next write would send a stale validator and get the whole body back). A
  // validator that changed over an identical body (load-balanced servers with per-node ETags) is
  // kept softly, or such servers would cost a write per poll.
  if (info.etag !== prev.etag) {
    s.etag = info.etag;
    if (info.etag && (!prev.etag || info.parsed)) hard = true;
  }
  if (info.lastModified !== prev.lastModified) {
    s.lastModified = info.lastModified;
    if (info.lastModified && (!prev.lastModified || info.parsed)) hard = true;
  }
  if (info.parsed) {
    const p = info.parsed;
    // A repaired document is kept (feedparser and Miniflux's lax decoder do the same), but the
    // health record says so until the publisher sends a well-formed one.
    const warning = p.repaired
      ? { code: 'MALFORMED_XML', stage: 'parse', message: 'parse: malformed document; only the items that could be recovered were read', at }
      : info.warning ?? null;
    if ((prev.lastWarning?.code ?? null) !== (warning?.code ?? null)) hard = true;
    s.lastWarning = warning ?? null;
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
  // RFC 9111 §4.3.4: a 304 freshens the stored response with the headers it carries; one that
  // carries no freshness information leaves the earlier lifetime in place.
  s.freshnessSeconds = info.freshnessSeconds ?? (info.status === 304 ? prev.freshnessSeconds ?? null : null);
  s.intervalMinutes = chooseInterval(s.feedTtlMinutes, s.freshnessSeconds, cfg);
  // A longer interval is the publisher asking us to slow down: written at once. A shorter one
  // rides along with the next write, so a server whose Expires moves with the clock does not
  // cost a write per poll.
  if (s.intervalMinutes > prev.intervalMinutes) hard = true;
  // Permanent redirects: adopt the new URL once it has been seen `redirectUpdateAfter` polls in a
  // row; a temporary redirect anywhere on the chain resets the count and never moves the feed.
  // (Feedbin waits much longer, 576 sightings in 72 hours: feedbin/crawler app/redirect_cache.rb.)
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

export function onFailure(prev: SourceState, err: FetchFailureInfo, now: Date, cfg: RunConfig): Transition {
  const at = now.toISOString();
  const failures = prev.consecutiveFailures + 1;
  const firstFailureAt = prev.firstFailureAt ?? at;
  let waitMs = backoffMinutes(failures, prev.id, prev.intervalMinutes, cfg) * 60_000;
  // RFC 9110 §10.2.3: Retry-After on 429/503 says how long to wait; never retry sooner than that.
  if (err.retryAfterSeconds !== null) waitMs = Math.max(waitMs, Math.min(err.retryAfterSeconds, MAX_RETRY_AFTER_S) * 1000);
  // DIFF: 410 Gone pauses at once. RFC 9110 §15.5.11: the resource is gone and the condition is
  // likely to be permanent, so polling it again is pointless load on the publisher.
  const paused = err.code === 'GONE' || now.getTime() - Date.parse(firstFailureAt) >= cfg.pauseAfterDays * DAY;
  return {
    state: {
      ...prev,
      lastFetchAt: at,
      lastStatus: err.status,
      consecutiveFailures: failures,
      firstFailureAt,
      lastError: { code: err.code, stage: err.stage, message: err.message, at },
      notBefore: new Date(now.getTime() + waitMs).toISOString(),
      dueSince: null,
      queuedAt: null,
      paused,
      // A failing fetch proves nothing about the body we hold; keep its hash and validators.
    },
    hard: true,
  };
}

/**
 * An admin un-pauses a source: counters reset, and it is due at the next run (first in line)
 * rather than at its next slot. Applied by the writer to the state as it is then, so a run that
 * finishes afterwards updates this state instead of undoing it.
 */
export function onResume(prev: SourceState, now: Date): Transition {
  return {
    state: { ...prev, paused: false, consecutiveFailures: 0, firstFailureAt: null, notBefore: null, dueSince: now.toISOString() },
    hard: true,
  };
}

/** Due, but left for a later run (budget or deadline): remember since when, so it goes first next time. */
export function onDeferred(prev: SourceState, now: Date, cfg: RunConfig): Transition {
  if (prev.dueSince) return { state: prev, hard: false };
  return { state: { ...prev, dueSince: new Date(overdueSince(prev, now, cfg)).toISOString() }, hard: true };
}

/** Handed to a queue consumer. It keeps `dueSince`, so if the consumer never reports back it is still the most overdue. */
export function onQueued(prev: SourceState, now: Date, cfg: RunConfig): Transition {
  return {
    state: { ...prev, queuedAt: now.toISOString(), dueSince: prev.dueSince ?? new Date(overdueSince(prev, now, cfg)).toISOString() },
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
export function describeSource(source: Source, s: SourceState, entries: number, now: Date, cfg: RunConfig) {
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
    last_warning: s.lastWarning ?? null,
    next_due_at: nextDueAt(s, now, cfg),
    not_before: s.notBefore,
    due_since: s.dueSince ?? null,
    queued_at: s.queuedAt ?? null,
    interval_minutes: s.intervalMinutes,
    feed_ttl_minutes: s.feedTtlMinutes,
    server_freshness_seconds: s.freshnessSeconds ?? null,
    skip_hours: s.skipHours,
    skip_days: s.skipDays,
    etag: s.etag,
    last_modified: s.lastModified,
    pending_redirect: s.redirect,
    items_in_feed: s.itemsInFeed,
    entries_stored: entries,
  };
}
