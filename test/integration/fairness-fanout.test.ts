/**
 * Fan-out on Cloudflare Queues, inside workerd: the cron run sends what its
 * budget cannot cover to a real Queue producer binding (Miniflare's), each
 * message is delivered to the Worker's own `queue` handler with
 * createMessageBatch/getQueueResult, and the next cron run merges what the
 * consumers wrote. The catalog and the health record keep a single writer:
 * consumers only ever write their own inbox key.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { loadConfig } from '../../src/config';
import worker from '../../src/index';
import { consumeFanout, type FanoutMessage } from '../../src/refresh';
import { KEYS, Store, type CatalogRecord, type InboxRecord } from '../../src/store';
import { at, cronWith, envWith, fixtureScope, healthRecord, jsonWith, kv, kvSnapshot, lastRun, putSourcesWith } from '../support/runs';

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

async function consume(body: FanoutMessage, vars: Record<string, string> = VARS) {
  const batch = createMessageBatch<FanoutMessage>('marquee-fetch', [{ id: `m-${body.key}`, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await (worker.queue as unknown as (b: unknown, e: unknown, c: ExecutionContext) => Promise<void>)(batch, envWith(vars), ctx);
  return getQueueResult(batch, ctx);
}

const catalog = async () => (await kv().get<CatalogRecord>(KEYS.catalog, 'json'))!;
const sourceOf = (path: string) => /\/gen\/(q-\d+)/.exec(path)![1];

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
      expect(m.key.startsWith(KEYS.inboxPrefix)).toBe(true);
    }
    const queued = messages.flatMap((m) => m.items.map((it) => it.source.id));
    const fetchedByCron = (await fx.log()).map((r) => sourceOf(r.path));
    expect(new Set([...queued, ...fetchedByCron]).size).toBe(N);
    expect(queued.filter((id) => fetchedByCron.includes(id))).toEqual([]);
    const admin: any = await jsonWith('/admin/sources', { admin: true }, VARS);
    expect(admin.pending_fanout_batches).toBe(messages.length);
    expect(admin.sources.filter((s: any) => s.queued_at === T0.toISOString()).map((s: any) => s.id).sort()).toEqual([...queued].sort());
    // Only the cron's own fetches are in the catalog so far.
    expect(new Set((await catalog()).entries.map((e) => e.sourceId))).toEqual(new Set(fetchedByCron));
  });

  it('each consumer fetches one batch within the budget and writes nothing but its own inbox key', async () => {
    for (const body of sent()) {
      const before = await kvSnapshot();
      const logBefore = (await fx.log()).length;
      const result = await getQueueResultOk(body);
      expect(result.explicitAcks).toEqual([`m-${body.key}`]);
      const requests = (await fx.log()).slice(logBefore);
      expect(requests.length).toBeLessThanOrEqual(BUDGET);
      expect(requests.map((r) => sourceOf(r.path)).sort()).toEqual(body.items.map((it) => it.source.id).sort());
      const after = await kvSnapshot();
      expect([...after.keys()].filter((k) => !before.has(k))).toEqual([body.key]);
      for (const [k, v] of before) expect(after.get(k), k).toBe(v); // catalog, health, views untouched
    }
  });

  it('the next cron run merges every inbox: all sources stored, counters right, inboxes deleted', async () => {
    const firstBatches = sent().map((m) => m.key);
    await cronWith(at(T0, 1), VARS);
    const run = await lastRun();
    expect(run.batchesMerged).toBe(firstBatches.length);
    expect(run.kvDeletes).toBe(firstBatches.length);
    for (const key of firstBatches) expect(await kv().get(key)).toBeNull();
    const bySource = new Map<string, number>();
    for (const e of (await catalog()).entries) bySource.set(e.sourceId, (bySource.get(e.sourceId) ?? 0) + 1);
    for (const id of ids) expect(bySource.get(id), id).toBe(4);
    const admin: any = await jsonWith('/admin/sources', { admin: true }, VARS);
    for (const s of admin.sources) {
      expect(s.status, s.id).toBe('healthy');
      expect(s.entries_stored, s.id).toBe(4);
      expect(s.etag, s.id).toMatch(/^"/); // validators learned by consumers are kept for the next poll
    }
    // This run again fetched its budget and queued the rest: every source is served every run.
    expect(run.subrequests).toBe(BUDGET);
    expect(run.sourcesQueued).toBe(N - BUDGET);
  });

  it('a redelivered message (delivery is at least once) changes nothing', async () => {
    const old = sent()[0];
    const entriesBefore = (await catalog()).entries.length;
    await getQueueResultOk(old);
    const pendingNow = (await healthRecord())!.pendingBatches!.map((b) => b.key);
    expect(pendingNow).not.toContain(old.key);
    await consumeAll(sent().filter((m) => pendingNow.includes(m.key)));
    await cronWith(at(T0, 2), VARS);
    const run = await lastRun();
    expect(run.batchesMerged).toBe(pendingNow.length); // the stray old inbox is not one of them
    expect((await catalog()).entries.length).toBe(entriesBefore);
    expect(run.newEntries).toBe(0);
  });

  it('a batch no consumer reports back on is given up after its lease, and its sources go first', async () => {
    // The batches queued by the last run are never consumed.
    const lost = (await healthRecord())!.pendingBatches!;
    const lostIds = new Set(lost.flatMap((b) => b.ids));
    const mark = (await fx.log()).length;
    const healthBefore = await kv().get(KEYS.health);
    // Within the lease: still waiting. The queued sources are not fetched, and since the other
    // five answer 304 the run has nothing to write: waiting on consumers costs nothing.
    await cronWith(at(T0, 3), VARS);
    const seen = (await fx.log()).slice(mark).map((r) => sourceOf(r.path));
    expect(seen).toHaveLength(N - lostIds.size);
    expect(seen.some((id) => lostIds.has(id))).toBe(false);
    expect(await kv().get(KEYS.health)).toBe(healthBefore);
    const mark2 = (await fx.log()).length;
    await cronWith(at(T0, 4), VARS); // lease over
    const run = await lastRun();
    expect(run.startedAt).toBe(at(T0, 4).toISOString());
    expect(run.batchesExpired).toBe(lost.length);
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

async function consumeAll(messages: FanoutMessage[]) {
  for (const m of messages) await getQueueResultOk(m);
}

describe('fan-out limits', () => {
  const lim = fixtureScope('fanout-limits');
  const LVARS = { SUBREQUEST_BUDGET: '2', RETENTION_MAX_ENTRIES: '100' };
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

  it('a consumer whose results outgrow the inbox reports the rest as not fetched, and loses nothing', async () => {
    const m = messages[0];
    const acks: string[] = [];
    const consumeWith = (inboxMaxBytes?: number) => consumeFanout(
      { store: new Store(kv()), fetch: (i, init) => fetch(i, init), config: loadConfig(envWith(LVARS)), clock: () => Date.now() },
      [{ body: m, timestamp: new Date(), ack: () => acks.push('ack'), retry: () => acks.push('retry') }],
      { inboxMaxBytes },
    );
    // Delivered once with room for everything, to learn how big one source's result is...
    await consumeWith();
    const whole = (await kv().get<InboxRecord>(m.key, 'json'))!;
    expect(whole.outcomes.map((o) => o.kind)).toEqual(['parsed', 'parsed']);
    const one = new TextEncoder().encode(JSON.stringify(whole.outcomes[0])).byteLength;
    // ...then redelivered with room for one source's result, not two.
    await consumeWith(one + 10);
    expect(acks).toEqual(['ack', 'ack']);
    const inbox = (await kv().get<InboxRecord>(m.key, 'json'))!;
    expect(inbox.outcomes.map((o) => o.kind).sort()).toEqual(['deferred', 'parsed']);
    const deferred = inbox.outcomes.find((o) => o.kind === 'deferred')!;
    expect(deferred.entries).toEqual([]);
    expect(deferred.state.dueSince).toBe(m.sentAt);
    expect(deferred.state.etag).toBeNull(); // its old state: nothing was learned that is not kept
  });

  it('a cron run merges inboxes until it holds RETENTION_MAX_ENTRIES new entries; the rest wait a run', async () => {
    for (const m of messages.slice(1)) await getQueueResultOk(m, LVARS);
    await cronWith(new Date('2026-11-27T08:15:00Z'), LVARS);
    let run = await lastRun();
    // 60 from the first inbox (the other source was deferred), 120 from the second: the cap of 100 is reached.
    expect(run.batchesMerged).toBe(2);
    expect((await healthRecord())!.pendingBatches!.map((b) => b.key)).toContain(messages[2].key);
    await cronWith(new Date('2026-11-27T08:30:00Z'), LVARS);
    run = await lastRun();
    expect(run.batchesMerged).toBeGreaterThanOrEqual(1);
    expect((await healthRecord())!.pendingBatches!.map((b) => b.key)).not.toContain(messages[2].key);
  });
});
