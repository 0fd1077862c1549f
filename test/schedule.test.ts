import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config';
import { freshState, onDeferred } from '../src/health';
import type { SourceState } from '../src/model';
import {
  backoffMinutes, chooseInterval, GRID_SKEW, nextDueAt, notDueReason, overdueSince, planRun, queueLeaseMs, runIndex,
} from '../src/schedule';

const cfg = loadConfig({ MARQUEE_KV: null as never });
const MIN = 60_000;
const T = new Date('2026-11-26T08:00:00Z'); // a Thursday
const state = (id: string, over: Partial<SourceState> = {}): SourceState => ({
  ...freshState({ id, url: `https://example.com/${id}`, title: null, home_page_url: null, category: null }, cfg),
  ...over,
});
const at = (runsLater: number, c: Config = cfg) => new Date(T.getTime() + runsLater * c.cronIntervalMinutes * MIN);

/** A deterministic pseudo-random sequence (mulberry32), so property tests are reproducible. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('intervals', () => {
  it('takes the longest of <ttl> and the server freshness, bounded, in whole cron periods', () => {
    expect(chooseInterval(null, null, cfg)).toBe(15);
    expect(chooseInterval(5, 60, cfg)).toBe(15); // below the minimum
    expect(chooseInterval(60, null, cfg)).toBe(60);
    expect(chooseInterval(null, 50 * 60, cfg)).toBe(60); // 50 min rounds up to 4 periods
    expect(chooseInterval(30, 3 * 3600, cfg)).toBe(180);
    expect(chooseInterval(100_000, null, cfg)).toBe(cfg.maxIntervalMinutes);
    const c = loadConfig({ MARQUEE_KV: null as never, MIN_INTERVAL_MINUTES: '60', MAX_INTERVAL_MINUTES: '120' });
    expect(chooseInterval(null, null, c)).toBe(60);
    expect(chooseInterval(null, 86_400, c)).toBe(120);
  });
});

describe('slots and the interval guard', () => {
  it('polls a 60-minute source on exactly one run in four, with no write between polls', () => {
    // Recorded long ago: polls that leave nothing to write never refresh lastFetchAt.
    const s = state('a', { lastFetchAt: at(-200).toISOString(), intervalMinutes: 60 });
    const due = Array.from({ length: 16 }, (_, i) => notDueReason(s, at(i), cfg, false) === null);
    const idx = due.map((d, i) => (d ? i : -1)).filter((i) => i >= 0);
    expect(idx).toHaveLength(4);
    expect(idx.slice(1).map((v, i) => v - idx[i])).toEqual([4, 4, 4]);
  });

  it('spreads sources with the same interval evenly over the runs', () => {
    const states = Array.from({ length: 400 }, (_, i) => state(`s${i}`, { lastFetchAt: at(-100).toISOString(), intervalMinutes: 60 }));
    const perRun = [0, 1, 2, 3].map((r) => states.filter((s) => notDueReason(s, at(r), cfg, false) === null).length);
    expect(perRun.reduce((a, b) => a + b)).toBe(400);
    for (const n of perRun) expect(Math.abs(n - 100)).toBeLessThan(30);
  });

  it('never polls more often than the interval in force (less the grid skew), whatever happens off the grid (property)', () => {
    const skew = GRID_SKEW * cfg.cronIntervalMinutes * MIN;
    const next = rng(7);
    for (let trial = 0; trial < 40; trial++) {
      let s = state(`p${trial}`, { lastFetchAt: at(-50).toISOString(), intervalMinutes: 15 * (1 + Math.floor(next() * 6)) });
      let lastReal = -Infinity;
      for (let r = 0; r < 300; r++) {
        const t = at(r);
        // Sometimes an admin refreshes by hand between two cron runs (always written)...
        if (next() < 0.05) {
          const manual = new Date(t.getTime() - Math.floor(next() * cfg.cronIntervalMinutes * MIN));
          if (manual.getTime() > lastReal) {
            s = { ...s, lastFetchAt: manual.toISOString() };
            lastReal = manual.getTime();
          }
        }
        if (notDueReason(s, t, cfg, false) !== null) continue;
        expect(t.getTime() - lastReal).toBeGreaterThanOrEqual(s.intervalMinutes * MIN - skew);
        // Grid-to-grid polls keep the whole interval.
        if (lastReal % (cfg.cronIntervalMinutes * MIN) === 0) expect(t.getTime() - lastReal).toBeGreaterThanOrEqual(s.intervalMinutes * MIN);
        lastReal = t.getTime();
        // ...and sometimes the server asks for a new interval. A longer one is written with the
        // fetch. A shorter one is soft: it reaches the planner only with some later write, and
        // that write carries this fetch's time too. Polls that change nothing are never written,
        // so otherwise lastFetchAt stays as old as the last write.
        const roll = next();
        if (roll < 0.1) s = { ...s, intervalMinutes: s.intervalMinutes + 15 * (1 + Math.floor(next() * 4)), lastFetchAt: t.toISOString() };
        else if (roll < 0.15 && s.intervalMinutes > 15) s = { ...s, intervalMinutes: s.intervalMinutes - 15, lastFetchAt: t.toISOString() };
      }
    }
  });

  it('skips the hours and days the feed asks for, unless it has waited longer than the maximum interval', () => {
    const s = state('a', { lastFetchAt: T.toISOString(), skipHours: [T.getUTCHours()] });
    expect(notDueReason(s, T, cfg, false)).toBe('skip-hours');
    expect(notDueReason(s, T, cfg, true)).toBeNull(); // a manual refresh is the admin's call
    const days = state('b', { lastFetchAt: at(-4).toISOString(), skipDays: ['Thursday'] });
    expect(notDueReason(days, T, cfg, false)).toBe('skip-hours');
    const starving = state('c', { lastFetchAt: new Date(T.getTime() - (cfg.maxIntervalMinutes + 15) * MIN).toISOString(), skipHours: Array.from({ length: 24 }, (_, h) => h) });
    expect(['schedule', null]).toContain(notDueReason(starving, T, cfg, false));
    expect(nextDueAt(starving, T, cfg)).not.toBeNull();
  });
});

describe('failures', () => {
  it('backs off exponentially from the interval, with bounded deterministic jitter, up to the cap', () => {
    const mins = Array.from({ length: 12 }, (_, i) => backoffMinutes(i + 1, 'x', 15, cfg));
    for (let i = 0; i < mins.length; i++) {
      const base = Math.min(cfg.maxBackoffMinutes, 15 * 2 ** i);
      expect(mins[i]).toBeGreaterThanOrEqual(Math.max(15, Math.floor(base * 0.8)));
      expect(mins[i]).toBeLessThanOrEqual(Math.min(cfg.maxBackoffMinutes, Math.ceil(base * 1.2)));
    }
    for (let i = 1; i < 7; i++) expect(mins[i]).toBeGreaterThan(mins[i - 1]); // doubling beats +-20%
    expect(mins[11]).toBeLessThanOrEqual(cfg.maxBackoffMinutes);
    expect(backoffMinutes(3, 'x', 15, cfg)).toBe(mins[2]); // deterministic
    // Sources that failed together drift apart.
    const spread = new Set(Array.from({ length: 50 }, (_, i) => backoffMinutes(6, `s${i}`, 15, cfg)));
    expect(spread.size).toBeGreaterThan(20);
    // A failing source is never polled more often than a healthy one: the floor is its interval.
    expect(backoffMinutes(1, 'x', 240, cfg)).toBeGreaterThanOrEqual(240);
    expect(backoffMinutes(20, 'x', 2880, cfg)).toBeLessThanOrEqual(2880 * 1.2);
    expect(backoffMinutes(0, 'x', 15, cfg)).toBe(0);
  });

  it('holds backoff and pauses even for a manual refresh, and retries as soon as the backoff ends', () => {
    const s = state('a', { lastFetchAt: T.toISOString(), consecutiveFailures: 2, notBefore: at(2).toISOString(), intervalMinutes: 60 });
    expect(notDueReason(s, at(1), cfg, true)).toBe('backoff');
    expect(notDueReason(s, at(2), cfg, false)).toBeNull();
    expect(nextDueAt(s, T, cfg)).toBe(at(2).toISOString());
    expect(notDueReason(state('p', { paused: true }), at(0), cfg, true)).toBe('paused');
    expect(nextDueAt(state('p', { paused: true }), T, cfg)).toBeNull();
  });
});

describe('budget fairness', () => {
  /** Drive the planner like the cron does: fetched sources record the time, deferred ones `dueSince`. */
  function simulate(states: SourceState[], runs: number, budget: number, onRun: (run: number, take: string[]) => void) {
    const byId = new Map(states.map((s) => [s.id, s]));
    for (let run = 0; run < runs; run++) {
      const t = at(run);
      const plan = planRun([...byId.values()], t, cfg, { manual: false, budget });
      expect(plan.take.length).toBeLessThanOrEqual(budget);
      for (const id of plan.take) byId.set(id, { ...byId.get(id)!, lastFetchAt: t.toISOString(), dueSince: null });
      for (const id of plan.deferred) byId.set(id, onDeferred(byId.get(id)!, t, cfg).state);
      onRun(run, plan.take);
    }
  }

  it('serves 200 sources on a 50-fetch budget within 4 runs, never over budget, forever', () => {
    const last = new Map<string, number>();
    simulate(Array.from({ length: 200 }, (_, i) => state(`s${i}`)), 60, 50, (run, take) => {
      expect(take).toHaveLength(50);
      for (const id of take) last.set(id, run);
      if (run === 3) expect(last.size).toBe(200);
      if (run >= 3) for (const r of last.values()) expect(run - r).toBeLessThan(4);
    });
  });

  it('takes the most overdue first', () => {
    const states = [
      state('fresh', { lastFetchAt: at(-10).toISOString() }),
      state('waited-2', { lastFetchAt: at(-10).toISOString(), dueSince: at(-2).toISOString() }),
      state('waited-5', { lastFetchAt: at(-10).toISOString(), dueSince: at(-5).toISOString() }),
      state('retry', { lastFetchAt: at(-10).toISOString(), consecutiveFailures: 1, notBefore: at(-3).toISOString() }),
    ];
    expect(planRun(states, T, cfg, { manual: false, budget: 2 }).take).toEqual(['waited-5', 'retry']);
    expect(planRun(states, T, cfg, { manual: false, budget: 4 }).take).toEqual(['waited-5', 'retry', 'waited-2', 'fresh']);
    expect(overdueSince(states[0], T, cfg)).toBe(T.getTime());
  });

  it('bounds the wait of every due source by ceil(n / budget) runs, with mixed intervals and overload (property)', () => {
    const next = rng(11);
    const n = 300;
    const budget = 40;
    const states = Array.from({ length: n }, (_, i) => state(`m${i}`, { intervalMinutes: 15 * [1, 1, 2, 4][Math.floor(next() * 4)] }));
    const dueAt = new Map<string, number>();
    let maxWait = 0;
    const byId = new Map(states.map((s) => [s.id, s]));
    for (let run = 0; run < 200; run++) {
      const t = at(run);
      const plan = planRun([...byId.values()], t, cfg, { manual: false, budget });
      expect(plan.take.length).toBeLessThanOrEqual(budget);
      for (const id of [...plan.take, ...plan.deferred]) if (!dueAt.has(id)) dueAt.set(id, run);
      for (const id of plan.take) {
        maxWait = Math.max(maxWait, run - dueAt.get(id)!);
        dueAt.delete(id);
        byId.set(id, { ...byId.get(id)!, lastFetchAt: t.toISOString(), dueSince: null });
      }
      for (const id of plan.deferred) byId.set(id, onDeferred(byId.get(id)!, t, cfg).state);
    }
    expect(maxWait).toBeLessThan(Math.ceil(n / budget));
    // Nobody is still waiting longer than that at the end either.
    for (const since of dueAt.values()) expect(199 - since).toBeLessThan(Math.ceil(n / budget));
  });

  it('counts why sources were not due, and limits a run to one source on request', () => {
    const states = [state('a', { paused: true }), state('b', { lastFetchAt: T.toISOString(), notBefore: at(3).toISOString(), consecutiveFailures: 1 }), state('c')];
    const plan = planRun(states, T, cfg, { manual: true, budget: 50 });
    expect(plan.take).toEqual(['c']);
    expect(plan.notDue).toEqual({ paused: 1, backoff: 1 });
    expect(planRun(states, T, cfg, { manual: true, budget: 50, only: 'b' }).take).toEqual([]);
  });

  it('leaves a queued source to its consumer for the lease, then counts it overdue since the lease ended', () => {
    const s = state('q', { lastFetchAt: at(-4).toISOString(), queuedAt: T.toISOString(), dueSince: at(-1).toISOString() });
    expect(notDueReason(s, at(1), cfg, false)).toBe('queued');
    expect(notDueReason(s, at(1), cfg, true)).toBe('queued');
    const later = new Date(T.getTime() + queueLeaseMs(cfg));
    expect(notDueReason(s, later, cfg, false)).toBeNull();
    expect(overdueSince(s, later, cfg)).toBe(at(-1).getTime());
    expect(nextDueAt(s, T, cfg)).toBe(later.toISOString());
  });
});

describe('next due time', () => {
  it('is the first cron run at which the source is due (checked against brute force)', () => {
    const next = rng(3);
    for (let i = 0; i < 300; i++) {
      const s = state(`n${i}`, {
        lastFetchAt: next() < 0.1 ? null : at(-Math.floor(next() * 10)).toISOString(),
        intervalMinutes: 15 * (1 + Math.floor(next() * 8)),
        consecutiveFailures: next() < 0.2 ? 1 : 0,
        notBefore: next() < 0.3 ? new Date(T.getTime() + Math.floor(next() * 300) * MIN).toISOString() : null,
        dueSince: next() < 0.1 ? at(-1).toISOString() : null,
        skipHours: next() < 0.2 ? [8, 9, 10] : [],
      });
      let want: string | null = null;
      for (let r = 1; r < 2000 && !want; r++) if (notDueReason(s, at(r), cfg, false) === null) want = at(r).toISOString();
      expect(nextDueAt(s, T, cfg), JSON.stringify(s)).toBe(want);
    }
  });

  it('is a cron tick', () => {
    expect(runIndex(at(1), cfg) - runIndex(at(0), cfg)).toBe(1);
  });
});
