/**
 * Fan-out on Cloudflare Queues, inside workerd: the cron run sends what its
 * budget cannot cover to a real Queue producer binding (Miniflare's), each
 * message is delivered to the Worker's own `queue` handler with
 * createMessageBatch/getQueueResult, and each consumer commits what it fetched
 * through the catalog object, the single writer, like a run of its own.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import worker from '../../src/index';
import type { FanoutMessage } from '../../src/refresh';
import { VIEWS_KEY } from '../../src/store/views';
import { at, catalog, cronWith, envWith, fixtureScope, jsonWith, kvSnapshot, lastRun, putSourcesWith, storedEntries } from '../support/runs';

const T0 = new Date('2026-11-26T08:00:00Z');
const BUDGET = 5;
const VARS = { SUBREQUEST_BUDGET: String(BUDGET) }; // FANOUT_BATCH_SIZE defaults to the budget
const fx = fixtureScope('fanout');
const N = 17;
const ids = Array.from({ length: N }, (_, i) => `q-${String(i).padStart(2, '0')}`);
const producer = () => (env as unknown as { FETCH_QUEUE: Queue<FanoutMessage> }).FETCH_QUEUE;

let spy: MockInstance<Queue<FanoutMessage>['sendBatch']>;
/** The messages the cron runs actually sent, in order. */
const sent = (): FanoutMessage[] => spy.mock.calls.flatMap((c) => [...c[0]].map((m) => m.body));

async function consume(body: FanoutMessage, vars: Record<string, string> = VARS, extra: Record<string, unknown> = {}) {
  const batch = createMessageBatch<FanoutMessage>('marquee-fetch', [{ id: `m-${body.items[0].source.id}`, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await (worker.queue as unknown as (b: unknown, e: unknown, c: ExecutionContext) => Promise<void>)(batch, envWith(vars, extra), ctx);
  return getQueueResult(batch, ctx);
}

const sourceOf = (path: string) => /\/gen\/(q-\d+)/.exec(path)![1];
const countBySource = async () => {
  const out = new Map<string, number>();
  for (const e of await storedEntries()) out.set(e.sourceId, (out.get(e.sourceId) ?? 0) + 1);
  return out;
};

describe('fan-out to queue consumers when the budget is not enough', () => {
  beforeAll(async () => {
    await fx.reset();
    expect((await putSourcesWith(ids.map((id) => ({ id, url: fx.url(`/gen/${id}?items=4`) })), VARS)).status).toBe(200);
    // Call through to the real producer; only record what was sent.
    spy = vi.spyOn(producer(), 'sendBatch');
  });
  afterAll(() => spy.mockRestore());

  it('the cron fetches what its budget allows and queues the rest in batches of at most the budget', async () => {
    await cronWith(T0, VARS);
    const run = await lastRun();
    expect(run.subrequests).toBe(BUDGET);
    expect(run.sourcesQueued).toBe(N - BUDGET);
    expect(run.batchesQueued).toBe(Math.ceil((N - BUDGET) / BUDGET));
    expect(run.sourcesDeferred).toBe(0);
    const messages = sent();
    expect(messages).toHaveLength(run.batchesQueued);
    for (const m of messages) {
      expect(m.items.length).toBeLessThanOrEqual(BUDGET);
      expect(m.sentAt).toBe(T0.toISOString());
      expect(m.v).toBe(2);
    }
    const queued = messages.flatMap((m) => m.items.map((it) => it.source.id));
    const fetchedByCron = (await fx.log()).map((r) => sourceOf(r.path));
    expect(new Set([...queued, ...fetchedByCron]).size).toBe(N);
    expect(queued.filter((id) => fetchedByCron.includes(id))).toEqual([]);
    const admin: any = await jsonWith('/admin/sources', { admin: true }, VARS);
    expect(admin.sources.filter((s: any) => s.queued_at === T0.toISOString()).map((s: any) => s.id).sort()).toEqual([...queued].sort());
    // Only the cron's own fetches are in the catalog so far.
    expect(new Set((await countBySource()).keys())).toEqual(new Set(fetchedByCron));
  });

  it('each consumer fetches one batch within the budget and commits it through the catalog; KV gets only the views', async () => {
    for (const body of sent()) {
      const before = await kvSnapshot();
      const logBefore = (await fx.log()).length;
      const result = await getQueueResultOk(body);
      expect(result.explicitAcks).toEqual([`m-${body.items[0].source.id}`]);
      const requests = (await fx.log()).slice(logBefore);
      expect(requests.length).toBeLessThanOrEqual(BUDGET);
      expect(requests.map((r) => sourceOf(r.path)).sort()).toEqual(body.items.map((it) => it.source.id).sort());
      const after = await kvSnapshot();
      expect([...after.keys()]).toEqual([...before.keys()]);
      expect(after.get(VIEWS_KEY)).not.toBe(before.get(VIEWS_KEY)); // the consumer's commit was published
      const counts = await countBySource();
      for (const it of body.items) expect(counts.get(it.source.id), it.source.id).toBe(4);
      const run = await lastRun();
      expect(run.trigger).toBe('queue');
      expect(run.newEntries).toBe(4 * body.items.length);
    }
  });

  it('after the consumers, every source is stored and healthy, with the validators they learned', async () => {
    const counts = await countBySource();
    for (const id of ids) expect(counts.get(id), id).toBe(4);
    const admin: any = await jsonWith('/admin/sources', { admin: true }, VARS);
    for (const s of admin.sources) {
      expect(s.status, s.id).toBe('healthy');
      expect(s.entries_stored, s.id).toBe(4);
      expect(s.queued_at, s.id).toBeNull();
      expect(s.etag, s.id).toMatch(/^"/); // kept for the next poll
    }
    // The next run again fetches its budget and queues the rest: every source is served every run.
    await cronWith(at(T0, 1), VARS);
    const run = await lastRun();
    expect(run.subrequests).toBe(BUDGET);
    expect(run.sourcesQueued).toBe(N - BUDGET);
  });

  it('a redelivered message (delivery is at least once) changes nothing', async () => {
    const old = sent()[0];
    const before = (await storedEntries()).length;
    await getQueueResultOk(old);
    expect((await storedEntries()).length).toBe(before);
    expect((await lastRun()).newEntries).toBe(0);
  });

  it('a batch no consumer reports back on is left to its consumer for the lease, then its sources go first', async () => {
    // The batches queued by the last cron run are never consumed (the redelivered one above was older).
    const lastCron = sent().filter((m) => m.sentAt === at(T0, 1).toISOString());
    const lostIds = new Set(lastCron.flatMap((m) => m.items.map((it) => it.source.id)));
    lostIds.delete(sent()[0].items[0].source.id);
    for (const id of sent()[0].items.map((it) => it.source.id)) lostIds.delete(id);
    const mark = (await fx.log()).length;
    // Within the lease: still waiting; the queued sources are not fetched.
    await cronWith(at(T0, 2), VARS);
    const seen = (await fx.log()).slice(mark).map((r) => sourceOf(r.path));
    expect(seen.some((id) => lostIds.has(id))).toBe(false);
    const mark2 = (await fx.log()).length;
    await cronWith(at(T0, 3), VARS); // lease over
    const run = await lastRun();
    expect(run.startedAt).toBe(at(T0, 3).toISOString());
    // The cron's own budget went to the longest-waiting: the lost ones.
    const fetchedNow = (await fx.log()).slice(mark2).map((r) => sourceOf(r.path));
    expect(fetchedNow).toHaveLength(BUDGET);
    for (const id of fetchedNow) expect(lostIds.has(id), id).toBe(true);
  });
});

async function getQueueResultOk(body: FanoutMessage, vars?: Record<string, string>) {
  const result = await consume(body, vars);
  expect(result.outcome).toBe('ok');
  expect(result.retryMessages).toEqual([]);
  return result;
}

describe('fan-out with large results', () => {
  const lim = fixtureScope('fanout-limits');
  const LVARS = { SUBREQUEST_BUDGET: '2' };
  const lids = Array.from({ length: 8 }, (_, i) => `l-${i}`);
  let messages: FanoutMessage[] = [];

  beforeAll(async () => {
    await lim.reset();
    expect((await putSourcesWith(lids.map((id) => ({ id, url: lim.url(`/gen/${id}?items=60`) })), LVARS)).status).toBe(200);
    const spy = vi.spyOn(producer(), 'sendBatch');
    await cronWith(new Date('2026-11-27T08:00:00Z'), LVARS);
    messages = spy.mock.calls.flatMap((c) => [...c[0]].map((m) => m.body as FanoutMessage));
    spy.mockRestore();
    expect(messages).toHaveLength(3);
  });

  it('a message whose commit fails is retried by the queue, not acknowledged', async () => {
    const failing = { idFromName: () => 'x', get: () => ({ commit: () => Promise.reject(new Error('writer unavailable')) }) };
    const result = await consume(messages[0], LVARS, { CATALOG: failing });
    expect(result.retryMessages.map((r: { msgId: string }) => r.msgId)).toEqual([`m-${messages[0].items[0].source.id}`]);
    expect(result.explicitAcks).toEqual([]);
  });

  it('every consumer commits everything it fetched, so the retried message loses nothing', async () => {
    for (const m of messages) await getQueueResultOk(m, LVARS);
    const counts = new Map<string, number>();
    for (const e of await storedEntries()) if (e.sourceId.startsWith('l-')) counts.set(e.sourceId, (counts.get(e.sourceId) ?? 0) + 1);
    for (const id of lids) expect(counts.get(id), id).toBe(60);
    expect(await catalog().runs({ limit: 3, before: null })).toHaveLength(3);
  });
});
