/**
 * Budget fairness through the real Worker: 200 sources on the fixture server,
 * a 50-fetch subrequest budget (SUBREQUEST_BUDGET, as wrangler.toml would set
 * it), the cron handler run again and again. Counted from both sides: the
 * run summary the Worker records and the requests the publishers saw.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { at, cronWith, fixtureScope, jsonWith, lastRun, putSourcesWith } from '../support/runs';

const T0 = new Date('2026-11-26T00:00:00Z');
const N = 200;
const BUDGET = 50;
const VARS = { SUBREQUEST_BUDGET: String(BUDGET) };
// Without the optional Queue binding: one invocation's budget is all there is (fan-out has its own suite).
const NO_QUEUE = { FETCH_QUEUE: undefined };
const fx = fixtureScope('fair');
const ids = Array.from({ length: N }, (_, i) => `src-${String(i).padStart(3, '0')}`);

describe(`${N} sources on a ${BUDGET}-fetch budget`, () => {
  /** run index -> source ids the publishers saw fetched in that run */
  const fetchedIn: string[][] = [];
  const RUNS = 12;

  beforeAll(async () => {
    await fx.reset();
    const res = await putSourcesWith(ids.map((id) => ({ id, url: fx.url(`/gen/${id}?items=3`) })), VARS);
    expect(res.status).toBe(200);
    let seen = 0;
    for (let r = 0; r < RUNS; r++) {
      await cronWith(at(T0, r), VARS, NO_QUEUE);
      const log = await fx.log();
      fetchedIn.push(log.slice(seen).map((q) => /\/gen\/(src-\d+)/.exec(q.path)![1]));
      seen = log.length;
      const run = await lastRun();
      expect(run.startedAt).toBe(at(T0, r).toISOString()); // every run of an over-budget deployment records its queue
      expect(run.subrequests).toBeLessThanOrEqual(BUDGET);
      expect(run.subrequests).toBe(fetchedIn[r].length);
    }
  }, 120_000);

  it('no run exceeds the budget', () => {
    for (const f of fetchedIn) expect(f.length).toBeLessThanOrEqual(BUDGET);
    // And the budget is used: there was always more due than it allowed.
    for (const f of fetchedIn) expect(f.length).toBe(BUDGET);
  });

  it('every source is fetched within the first 4 runs', () => {
    const firstFour = new Set(fetchedIn.slice(0, 4).flat());
    expect(firstFour.size).toBe(N);
  });

  it('and keeps being served: no source waits more than 4 runs between fetches, ever', () => {
    const last = new Map<string, number>();
    for (let r = 0; r < RUNS; r++) {
      for (const id of fetchedIn[r]) {
        if (last.has(id)) expect(r - last.get(id)!, id).toBeLessThanOrEqual(4);
        last.set(id, r);
      }
      if (r >= 3) for (const id of ids) expect(r - last.get(id)!, id).toBeLessThan(4);
    }
  });

  it('shows the waiting sources as overdue, and nothing as failing', async () => {
    const h: any = await jsonWith('/healthz', {}, VARS);
    expect(h.summary).toBe(`${N} healthy, 0 failing, 0 paused`);
    // After each run, the 150 not fetched are recorded as due since the run that left them.
    expect(h.sources.overdue).toBe(N - BUDGET);
    expect(h.last_run.deferred).toBe(N - BUDGET);
    const admin: any = await jsonWith('/admin/sources', { admin: true }, VARS);
    const overdue = admin.sources.filter((s: any) => s.due_since);
    expect(overdue).toHaveLength(N - BUDGET);
    for (const s of overdue) expect(Date.parse(s.due_since)).toBeLessThanOrEqual(at(T0, RUNS - 1).getTime());
  });
});
