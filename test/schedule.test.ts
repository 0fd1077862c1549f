import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { freshState } from '../src/health';
import type { SourceState } from '../src/model';
import { backoffMinutes, chooseInterval, notDueReason, planRun, runIndex } from '../src/schedule';

const cfg = loadConfig({ MARQUEE_KV: null as never });
const T = new Date('2026-11-26T08:00:00Z');
const state = (id: string, over: Partial<SourceState> = {}): SourceState => ({
  ...freshState({ id, url: `https://example.com/${id}`, title: null, home_page_url: null, category: null }, cfg),
  ...over,
});
const at = (runsLater: number) => new Date(T.getTime() + runsLater * cfg.cronIntervalMinutes * 60_000);

describe('schedule', () => {
  it('chooses intervals from ttl and Cache-Control, bounded and in whole cron periods', () => {
    expect(chooseInterval(null, null, cfg)).toBe(15);
    expect(chooseInterval(5, 60, cfg)).toBe(15);
    expect(chooseInterval(60, null, cfg)).toBe(60);
    expect(chooseInterval(null, 50 * 60, cfg)).toBe(60);
    expect(chooseInterval(100000, null, cfg)).toBe(cfg.maxIntervalMinutes);
  });

  it('polls a source with a 60-minute interval on exactly one run in four', () => {
    const s = state('a', { lastFetchAt: T.toISOString(), intervalMinutes: 60 });
    const due = Array.from({ length: 16 }, (_, i) => notDueReason(s, at(i), cfg, false) === null);
    expect(due.filter(Boolean)).toHaveLength(4);
    const idx = due.map((d, i) => (d ? i : -1)).filter((i) => i >= 0);
    expect(idx[1] - idx[0]).toBe(4);
  });

  it('backs off exponentially with bounded jitter, and holds even manual refreshes', () => {
    const mins = [1, 2, 3, 4, 5, 10, 20].map((n) => backoffMinutes(n, 'x', cfg));
    expect(mins[0]).toBeGreaterThanOrEqual(12);
    expect(mins[0]).toBeLessThanOrEqual(18);
    expect(mins[3]).toBeGreaterThan(mins[2]);
    expect(mins[6]).toBeLessThanOrEqual(cfg.maxBackoffMinutes);
    const s = state('a', { lastFetchAt: T.toISOString(), consecutiveFailures: 2, notBefore: at(2).toISOString() });
    expect(notDueReason(s, at(1), cfg, true)).toBe('backoff');
    expect(notDueReason(s, at(2), cfg, false)).toBeNull();
    expect(notDueReason(state('p', { paused: true }), at(0), cfg, true)).toBe('paused');
  });

  it('honours skipHours unless the source has waited longer than the maximum interval', () => {
    const s = state('a', { lastFetchAt: T.toISOString(), skipHours: [T.getUTCHours()] });
    expect(notDueReason(s, T, cfg, false)).toBe('skip-hours');
    expect(notDueReason(s, T, cfg, true)).toBeNull();
  });

  it('serves 200 sources on a 50-fetch budget within 4 runs, never over budget, forever', () => {
    const states = Array.from({ length: 200 }, (_, i) => state(`s${i}`));
    const lastFetched = new Map<string, number>();
    for (let run = 0; run < 40; run++) {
      const plan = planRun(states, at(run), cfg, { manual: false, budget: 50 });
      expect(plan.take.length).toBeLessThanOrEqual(50);
      for (const id of plan.take) {
        lastFetched.set(id, run);
        const s = states.find((x) => x.id === id)!;
        s.lastFetchAt = at(run).toISOString();
      }
      if (run === 3) expect(lastFetched.size).toBe(200);
      if (run >= 3) for (const s of states) expect(run - lastFetched.get(s.id)!).toBeLessThan(4);
    }
    expect(runIndex(at(1), cfg) - runIndex(at(0), cfg)).toBe(1);
  });
});
