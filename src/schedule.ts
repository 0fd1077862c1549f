/**
 * Polling policy, pure: when each source is due, how long it waits after a
 * failure, and which due sources a run with a limited subrequest budget takes.
 *
 * Slots instead of timestamps. A run must write nothing when nothing changed,
 * so "last checked at" cannot be stored after every 304. Instead each source
 * gets a fixed phase: with a polling interval of k cron periods it is due on
 * the runs whose index r = floor(t / period) satisfies (r + phase) mod k == 0.
 * That spreads sources evenly over runs with no write needed to remember it.
 * A guard adds "and at least one interval since the last recorded fetch": the
 * slot alone cannot know about a fetch off the grid (a manual refresh, a late
 * catch-up, an interval that just grew), and those fetches are always written,
 * so the recorded time is exact exactly when the guard matters. The guard
 * forgives a tenth of a cron period of skew (GRID_SKEW): a queue consumer
 * fetches a few seconds after the run that sent its batch, and without the
 * tolerance its sources would be pushed back a whole period every time.
 *
 * Everything that is not the plain schedule is a state change and is written:
 * failures and Retry-After set `notBefore`; a source the budget or the
 * deadline left behind gets `dueSince`; a source handed to a queue consumer
 * gets `queuedAt`.
 *
 * Budget fairness. Due sources are ordered by how long they have been due
 * (`overdueSince`): a source deferred at run r waits only behind sources due
 * earlier than r, each source appears once, so with n sources and a budget of
 * b per run every due source is fetched within ceil(n / b) runs of becoming
 * due. Ties (sources that became due together) are broken on a ring ordered
 * by a hash of the id that starts at r x budget, so no id is always first.
 */
import type { Config, RunConfig } from './config';
import { fnv1a } from './hash';
import type { SourceState } from './model';

const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MINUTE = 60_000;

type PeriodConfig = Pick<Config, 'cronIntervalMinutes'>;

export function runIndex(at: Date, cfg: PeriodConfig): number {
  return Math.floor(at.getTime() / (cfg.cronIntervalMinutes * MINUTE));
}

/** Skew the interval guard forgives, as a fraction of the cron period (see the docblock). */
export const GRID_SKEW = 0.1;

/** How long a queued source is left to its queue consumer before it counts as due again: two cron periods. */
export function queueLeaseMs(cfg: PeriodConfig): number {
  return 2 * cfg.cronIntervalMinutes * MINUTE;
}

/**
 * Polling interval in minutes: the longest of what the feed (<ttl>, RSS 2.0) and the server
 * (Cache-Control max-age or Expires, RFC 9111 §4.2.1) ask for, bounded by the configured minimum
 * and maximum, rounded up to whole cron periods. Miniflux does the same (ScheduleNextCheck takes
 * the larger of its own interval and TTL/Cache-Control/Expires, then caps it).
 */
export function chooseInterval(
  ttlMinutes: number | null,
  freshnessSeconds: number | null,
  cfg: Pick<Config, 'cronIntervalMinutes' | 'minIntervalMinutes' | 'maxIntervalMinutes'>,
): number {
  const asked = Math.max(ttlMinutes ?? 0, freshnessSeconds !== null ? freshnessSeconds / 60 : 0);
  const bounded = Math.min(cfg.maxIntervalMinutes, Math.max(cfg.minIntervalMinutes, asked));
  return Math.max(1, Math.ceil(bounded / cfg.cronIntervalMinutes)) * cfg.cronIntervalMinutes;
}

/**
 * Wait after the n-th consecutive failure: the source's own interval doubled per failure, capped
 * at `maxBackoffMinutes`, with +-20% jitter that is deterministic per source and failure count
 * (tests can pin it; sources that failed together drift apart). Never shorter than the interval:
 * a failing source is not polled more often than a healthy one.
 *
 * For comparison, Feedbin's crawler waits clamp(failures, 8, 23)^4 seconds (about 68 minutes up
 * to 3.2 days; feedbin/crawler app/feed_status.rb), and Miniflux stops polling after
 * POLLING_PARSING_ERROR_LIMIT (3) errors until someone refreshes by hand. We keep retrying at a
 * capped pace and pause after PAUSE_AFTER_DAYS instead, so a feed that comes back is noticed.
 */
export function backoffMinutes(
  failures: number,
  sourceId: string,
  intervalMinutes: number,
  cfg: Pick<Config, 'maxBackoffMinutes'>,
): number {
  if (failures <= 0) return 0;
  const cap = Math.max(cfg.maxBackoffMinutes, intervalMinutes);
  const base = Math.min(cap, intervalMinutes * 2 ** Math.min(failures - 1, 30));
  const u = fnv1a(`${sourceId}#${failures}`) / 0x1_0000_0000;
  return Math.round(Math.min(cap, Math.max(intervalMinutes, base * (0.8 + 0.4 * u))));
}

export function phase(id: string, k: number): number {
  return fnv1a(id) % k;
}

function periodsOf(state: Pick<SourceState, 'intervalMinutes'>, cfg: PeriodConfig): number {
  return Math.max(1, Math.round(state.intervalMinutes / cfg.cronIntervalMinutes));
}

/** RSS 2.0 <skipHours> (GMT hours 0-23) and <skipDays> (English day names). */
export function inSkipWindow(state: Pick<SourceState, 'skipHours' | 'skipDays'>, at: Date): boolean {
  return state.skipHours.includes(at.getUTCHours()) || state.skipDays.some((d) => d.trim().toLowerCase() === DAY_NAMES[at.getUTCDay()]);
}

export type NotDueReason = 'paused' | 'backoff' | 'queued' | 'skip-hours' | 'schedule' | 'interval';

const ms = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);

/** Why a source is not due at `at`, or null when it is. */
export function notDueReason(state: SourceState, at: Date, cfg: RunConfig, manual: boolean): NotDueReason | null {
  const t = at.getTime();
  if (state.paused) return 'paused';
  // Backoff and Retry-After hold even for a manual refresh.
  const notBefore = ms(state.notBefore);
  if (notBefore !== null && notBefore > t) return 'backoff';
  const queued = ms(state.queuedAt);
  if (queued !== null && t - queued < queueLeaseMs(cfg)) return 'queued';
  if (manual || state.lastFetchAt === null) return null;
  const last = Date.parse(state.lastFetchAt);
  // Never let skipHours/skipDays hold a source for longer than the maximum interval.
  if (inSkipWindow(state, at) && t - last < cfg.maxIntervalMinutes * MINUTE) return 'skip-hours';
  if (state.dueSince || queued !== null) return null; // overdue: left behind by an earlier run, or its queue lease ran out
  if (state.consecutiveFailures > 0) return null; // backoff elapsed: retry now
  const k = periodsOf(state, cfg);
  if ((runIndex(at, cfg) + phase(state.id, k)) % k !== 0) return 'schedule';
  if (t - last < state.intervalMinutes * MINUTE - GRID_SKEW * cfg.cronIntervalMinutes * MINUTE) return 'interval';
  return null;
}

/**
 * Since when a due source has been waiting: the run that first left it behind, else the end of
 * its backoff, else the end of an expired queue lease, else now (it became due this run).
 */
export function overdueSince(state: SourceState, at: Date, cfg: PeriodConfig): number {
  const candidates = [ms(state.dueSince), ms(state.notBefore), state.queuedAt ? Date.parse(state.queuedAt) + queueLeaseMs(cfg) : null]
    .filter((v): v is number => v !== null && v <= at.getTime());
  return candidates.length ? Math.min(...candidates) : at.getTime();
}

/** The first cron run at or after `after` (exclusive of `after` itself) when this source is due, for health pages. */
export function nextDueAt(state: SourceState, after: Date, cfg: RunConfig): string | null {
  if (state.paused) return null;
  const period = cfg.cronIntervalMinutes * MINUTE;
  const firstTick = Math.floor(after.getTime() / period) * period + period;
  const floors = [firstTick, ms(state.notBefore) ?? 0, state.queuedAt ? Date.parse(state.queuedAt) + queueLeaseMs(cfg) : 0];
  let t = Math.ceil(Math.max(...floors) / period) * period;
  // Slot-driven sources can jump straight from slot to slot; anything else is due on the first
  // tick past its floors unless a skip window holds it. Bounded: a skip window never holds a
  // source past the maximum interval, so two maximum intervals of ticks always suffice.
  const limit = t + 2 * (cfg.maxIntervalMinutes * MINUTE) + 8 * 24 * 60 * MINUTE;
  for (let guard = 0; t <= limit && guard < 100_000; guard++) {
    const reason = notDueReason(state, new Date(t), cfg, false);
    if (reason === null) return new Date(t).toISOString();
    if (reason === 'schedule') {
      const k = periodsOf(state, cfg);
      const r = runIndex(new Date(t), cfg);
      t += ((k - ((r + phase(state.id, k)) % k)) % k || k) * period;
    } else {
      t += period;
    }
  }
  return null;
}

export interface Plan {
  /** Sources to fetch this run, most overdue first. */
  take: string[];
  /** Due but beyond this run's budget: queued to a consumer when fan-out is on, else left for a later run. */
  deferred: string[];
  /** How many sources were not due, by reason. */
  notDue: Partial<Record<NotDueReason, number>>;
}

export function planRun(states: SourceState[], at: Date, cfg: RunConfig, opts: { manual: boolean; budget: number; only?: string }): Plan {
  const due: Array<{ s: SourceState; since: number }> = [];
  const notDue: Plan['notDue'] = {};
  for (const s of states) {
    if (opts.only && s.id !== opts.only) continue;
    const reason = notDueReason(s, at, cfg, opts.manual);
    if (reason === null) due.push({ s, since: overdueSince(s, at, cfg) });
    else notDue[reason] = (notDue[reason] ?? 0) + 1;
  }
  // Tie-break on a ring ordered by id hash, read from a start that moves by `budget` each run.
  const ring = [...states].sort((a, b) => fnv1a(a.id) - fnv1a(b.id) || (a.id < b.id ? -1 : 1));
  const pos = new Map(ring.map((s, i) => [s.id, i]));
  const n = Math.max(1, ring.length);
  const start = (((runIndex(at, cfg) * opts.budget) % n) + n) % n;
  const rank = (s: SourceState) => ((pos.get(s.id)! - start) % n + n) % n;
  due.sort((a, b) => a.since - b.since || rank(a.s) - rank(b.s));
  const budget = Math.max(0, opts.budget);
  return { take: due.slice(0, budget).map((d) => d.s.id), deferred: due.slice(budget).map((d) => d.s.id), notDue };
}
