/**
 * Polling policy, pure: when each source is due, how long it waits after a
 * failure, and which due sources a run with a limited subrequest budget takes.
 *
 * Slots instead of timestamps. A run must write nothing when nothing changed,
 * so "last checked at" cannot be stored after every 304. Instead each source
 * gets a fixed phase: with a polling interval of k cron periods it is due on
 * the runs whose index r = floor(t / period) satisfies (r + phase) mod k == 0.
 * That never polls more often than the interval and spreads sources evenly
 * over runs, with no write needed to remember it. Failures and Retry-After
 * are state changes (they are written), and they set `notBefore`.
 *
 * Budget fairness. When more sources are due than the budget allows, due
 * sources are taken in a rotating order: all sources sit on a ring ordered by
 * a hash of their id, and run r starts reading the ring at r x budget. With a
 * stable due set of n sources every source is reached within ceil(n / budget)
 * runs; the ones skipped longest are the ones reached next, so the most
 * overdue go first. Never-fetched sources go before all others.
 */
import type { Config } from './config';
import { fnv1a } from './hash';
import type { SourceState } from './model';

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MINUTE = 60_000;

export function runIndex(at: Date, cfg: Pick<Config, 'cronIntervalMinutes'>): number {
  return Math.floor(at.getTime() / (cfg.cronIntervalMinutes * MINUTE));
}

/** Polling interval in minutes: what the feed and server ask for, bounded, in whole cron periods. */
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
 * Delay after the n-th consecutive failure: one cron period doubled per failure, capped,
 * with +-20% jitter that is deterministic per source and failure count (so tests can pin it
 * and sources that failed together spread out). Feedbin and Miniflux back off the same way.
 */
export function backoffMinutes(failures: number, sourceId: string, cfg: Pick<Config, 'cronIntervalMinutes' | 'maxBackoffMinutes'>): number {
  if (failures <= 0) return 0;
  const base = Math.min(cfg.maxBackoffMinutes, cfg.cronIntervalMinutes * 2 ** Math.min(failures - 1, 20));
  const jitter = 0.8 + (fnv1a(`${sourceId}#${failures}`) / 0xffffffff) * 0.4;
  return Math.max(1, Math.round(Math.min(cfg.maxBackoffMinutes, base * jitter)));
}

function phase(id: string, k: number): number {
  return fnv1a(id) % k;
}

function skipped(state: SourceState, at: Date): boolean {
  // RSS 2.0: skipHours are GMT hours 0-23; skipDays are English day names.
  return state.skipHours.includes(at.getUTCHours()) || state.skipDays.some((d) => d.trim().toLowerCase() === DAY_NAMES[at.getUTCDay()].toLowerCase());
}

export type NotDueReason = 'paused' | 'backoff' | 'schedule' | 'skip-hours';

/** Why a source is not due at `at`, or null when it is. */
export function notDueReason(state: SourceState, at: Date, cfg: Config, manual: boolean): NotDueReason | null {
  if (state.paused) return 'paused';
  // Backoff and Retry-After hold even for a manual refresh.
  if (state.notBefore && Date.parse(state.notBefore) > at.getTime()) return 'backoff';
  if (manual || state.lastFetchAt === null) return null;
  if (skipped(state, at)) {
    // Never let skipHours starve a source for longer than the maximum interval.
    const last = Date.parse(state.lastFetchAt);
    if (at.getTime() - last < cfg.maxIntervalMinutes * MINUTE) return 'skip-hours';
  }
  if (state.consecutiveFailures > 0) return null; // backoff elapsed: retry now
  const k = Math.max(1, Math.round(state.intervalMinutes / cfg.cronIntervalMinutes));
  return (runIndex(at, cfg) + phase(state.id, k)) % k === 0 ? null : 'schedule';
}

/** When the schedule next makes this source due (for health pages). */
export function nextDueAt(state: SourceState, after: Date, cfg: Config): string | null {
  if (state.paused) return null;
  const period = cfg.cronIntervalMinutes * MINUTE;
  let t = Math.floor(after.getTime() / period) * period + period;
  const floor = state.notBefore ? Date.parse(state.notBefore) : 0;
  for (let i = 0; i < 24 * 60 * 8 / cfg.cronIntervalMinutes; i++, t += period) {
    if (t < floor) continue;
    if (notDueReason(state, new Date(t), cfg, false) === null) return new Date(t).toISOString();
  }
  return null;
}

export interface Plan {
  /** Sources to fetch this run, in order. */
  take: string[];
  /** Due but left for a later run by the budget. */
  deferred: string[];
}

export function planRun(states: SourceState[], at: Date, cfg: Config, opts: { manual: boolean; budget: number; only?: string }): Plan {
  const due = states.filter((s) => (opts.only ? s.id === opts.only : true) && notDueReason(s, at, cfg, opts.manual) === null);
  const ring = [...states].sort((a, b) => fnv1a(a.id) - fnv1a(b.id) || (a.id < b.id ? -1 : 1));
  const pos = new Map(ring.map((s, i) => [s.id, i]));
  const n = Math.max(1, ring.length);
  const start = (runIndex(at, cfg) * opts.budget) % n;
  const rank = (s: SourceState) => ((pos.get(s.id)! - start) % n + n) % n;
  due.sort((a, b) => Number(a.lastFetchAt !== null) - Number(b.lastFetchAt !== null) || rank(a) - rank(b));
  return { take: due.slice(0, opts.budget).map((s) => s.id), deferred: due.slice(opts.budget).map((s) => s.id) };
}
