/**
 * Run history (issue 12 §4) through the Worker: every run writes one
 * structured JSON log line with its trigger, duration, fetches, 304s, new
 * entries, stories, errors by code, and KV and storage writes; the writer
 * keeps the last 200 summaries for GET /admin/runs (newest first, paged) and
 * GET /admin/runs/:n; /healthz links the last one.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { at, callWith, cronWith, fixtureScope, jsonWith, putSourcesWith } from '../support/runs';
import { BASE } from '../support/worker';

const fx = fixtureScope('runs');
const T0 = new Date('2026-12-05T08:00:00Z');

/** The run lines logged while `fn` runs. */
async function runLines(fn: () => Promise<void>): Promise<any[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(String(args[0])));
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines.filter((l) => l.startsWith('{"event":"run"')).map((l) => JSON.parse(l));
}

beforeAll(async () => {
  await fx.reset();
  await fx.faults(true);
  const list = [
    { id: 'ok-a', url: fx.url('/gen/ok-a?items=4') },
    { id: 'ok-b', url: fx.url('/gen/ok-b?items=2') },
    { id: 'broken', url: fx.url('/fault/500/broken') },
  ];
  expect((await putSourcesWith(list)).status).toBe(200);
});

afterEach(() => vi.restoreAllMocks());

describe('the run log line', () => {
  it('says what a run did and cost, and matches the stored summary', async () => {
    const [line] = await runLines(() => cronWith(T0));
    expect(line).toMatchObject({
      event: 'run', trigger: 'cron', startedAt: T0.toISOString(), fetched: 3, notModified: 0, parsed: 2, failed: 1,
      errorsByCode: { HTTP_ERROR: 1 }, newEntries: 6, stories: 6, kvWrites: 1,
    });
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    expect(line.sqlRowsWritten).toBeGreaterThan(0);
    expect(line.websub).toEqual({ pingsSent: 0, pingsFailed: 0, requestsSent: 0, requestsFailed: 0 });
    const health: any = await jsonWith('/healthz');
    const stored: any = await jsonWith(new URL(health.last_run.url).pathname, { admin: true });
    expect(health.last_run.url).toBe(`${BASE}/admin/runs/${stored.n}`);
    expect(stored).toMatchObject({ trigger: 'cron', sourcesFetched: 3, newEntries: 6, kvWrites: 1, sqlRowsWritten: line.sqlRowsWritten });
  });

  it('counts 304s and writes nothing to KV when nothing changed; a manual refresh logs its line too', async () => {
    const [cron] = await runLines(() => cronWith(at(T0, 1)));
    expect(cron).toMatchObject({ trigger: 'cron', notModified: 2, newEntries: 0, kvWrites: 0 });
    const [manual] = await runLines(async () => {
      expect((await callWith('/admin/refresh', { method: 'POST', admin: true })).status).toBe(200);
    });
    // The failing source is backing off, which a manual refresh honours.
    expect(manual).toMatchObject({ trigger: 'manual', fetched: 2, notModified: 2 });
  });
});

describe('GET /admin/runs', () => {
  it('keeps the last 200 summaries, newest first, paged with next_url', async () => {
    for (let r = 2; r < 205; r++) await cronWith(at(T0, r));
    const seen: any[] = [];
    let next: string | null = '/admin/runs?limit=64';
    while (next) {
      const page: any = await jsonWith(next, { admin: true });
      seen.push(...page.runs);
      next = page.next_url ? new URL(page.next_url).pathname + new URL(page.next_url).search : null;
    }
    expect(seen).toHaveLength(200);
    const ns = seen.map((r) => r.n);
    expect([...ns].sort((a, b) => b - a)).toEqual(ns);
    expect(seen[0].startedAt).toBe(at(T0, 204).toISOString());
    expect((await jsonWith('/healthz')).last_run.n).toBe(ns[0]);
  }, 60_000);

  it('answers one run by number, 404 for one no longer kept, 400 for a bad number, 401 without the token', async () => {
    const [newest] = (await jsonWith('/admin/runs?limit=1', { admin: true })).runs;
    expect((await jsonWith(`/admin/runs/${newest.n}`, { admin: true })).startedAt).toBe(newest.startedAt);
    expect((await callWith(`/admin/runs/${newest.n - 200}`, { admin: true })).status).toBe(404);
    expect((await callWith('/admin/runs/x', { admin: true })).status).toBe(400);
    expect((await callWith(`/admin/runs/${newest.n}`)).status).toBe(401);
  });
});
