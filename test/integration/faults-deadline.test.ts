/**
 * The whole-run deadline, through the real Worker: more silent servers than
 * the run has time for. The run must stop starting fetches when its fetch
 * window closes, cut the ones in flight, finish its writes within
 * RUN_DEADLINE_MS, and not blame the sources it ran out of time for: those
 * are left overdue and go first next run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { at, cronWith, fixtureScope, jsonWith, lastRun, putSourcesWith } from '../support/runs';

const T0 = new Date('2026-11-26T08:00:00Z');
// Six at a time; the first six time out after 3 s, the next six are cut by the fetch window
// (RUN_DEADLINE_MS minus 30% kept for merging and writing), the rest never start.
const VARS = { FETCH_TIMEOUT_MS: '3000', RUN_DEADLINE_MS: '6000', FETCH_PER_HOST: '6' };
const cfg = loadConfig({ MARQUEE_KV: null as never, ...VARS });
const fx = fixtureScope('deadline');
const SILENT = Array.from({ length: 14 }, (_, i) => `silent-${i}`);

describe('a run with more slow sources than time', () => {
  beforeAll(async () => {
    await fx.reset();
    await fx.faults(true);
    const res = await putSourcesWith([
      { id: 'good', url: fx.url('/gen/good') },
      ...SILENT.map((id) => ({ id, url: fx.url(`/fault/timeout/${id}`) })),
    ], VARS);
    expect(res.status).toBe(200);
  });

  it('stops at its deadline, blames only the sources that used their whole timeout, and defers the rest', async () => {
    await cronWith(T0, VARS);
    const run = await lastRun();
    expect(run.deadlineHit).toBe(true);
    expect(run.durationMs).toBeLessThanOrEqual(cfg.runDeadlineMs);
    const admin: any = await jsonWith('/admin/sources', { admin: true }, VARS);
    const byId = Object.fromEntries(admin.sources.map((s: any) => [s.id, s]));
    const timedOut = SILENT.filter((id) => byId[id].status === 'failing');
    const deferred = SILENT.filter((id) => byId[id].due_since);
    // Every silent source is either a real timeout or deferred, never both, never neither.
    expect(timedOut.length + deferred.length).toBe(SILENT.length);
    expect(timedOut.length).toBeGreaterThanOrEqual(1);
    expect(deferred.length).toBeGreaterThanOrEqual(1);
    expect(run.sourcesDeferred).toBe(deferred.length);
    for (const id of timedOut) expect(byId[id].last_error.code).toBe('TIMEOUT');
    for (const id of deferred) {
      expect(byId[id].consecutive_failures).toBe(0);
      expect(byId[id].last_error).toBeNull();
      expect(byId[id].due_since).toBe(T0.toISOString());
    }
    // Never more than six connections at once (the Workers limit), and all six were used.
    expect((await fx.stats()).maxOpen).toBe(6);
    // Sources cut in flight by the window were asked; those never started were not.
    const asked = new Set((await fx.log()).map((r) => r.path.split('/').pop()));
    expect(SILENT.filter((id) => !asked.has(id)).every((id) => deferred.includes(id))).toBe(true);
  }, 30_000);

  it('takes the deferred sources first on the next run', async () => {
    const before = (await fx.log()).length;
    const admin: any = await jsonWith('/admin/sources', { admin: true }, VARS);
    const deferred = admin.sources.filter((s: any) => s.due_since).map((s: any) => s.id);
    await cronWith(at(T0, 1), VARS);
    const log = (await fx.log()).slice(before).map((r) => r.path.split('/').pop());
    // The first six requests of the run went to the longest-waiting sources.
    const firstSix = log.slice(0, 6);
    for (const id of firstSix) expect(deferred).toContain(id);
    const run = await lastRun();
    expect(run.durationMs).toBeLessThanOrEqual(cfg.runDeadlineMs);
  }, 30_000);
});
