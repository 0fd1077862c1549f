/**
 * The orchestrator of an ingest run, reading top to bottom as
 *
 *   plan (writer) -> fan out -> fetch -> parse -> normalize (ingest.ts)
 *     -> commit (writer: merge, health, dedupe, group, retain; commit.ts)
 *     -> finish (writer: deferred sources, run summary, publish views to KV)
 *     -> WebSub (websub.ts: publish pings, subscription requests) -> log line
 *
 * A body a WebSub hub pushes (`receivePush`) is a run of its own: parse ->
 * normalize -> commit -> finish, with no fetch.
 *
 * The catalog object (store/object.ts) is the only writer; this module only
 * talks to it through its RPC methods. A run plans from the object's state,
 * fetches outside it, and commits each batch of outcomes as they complete,
 * so memory stays bounded by a batch and the object is never blocked on the
 * network. Cron runs, manual refreshes and queue consumers all commit through
 * the same object, which serializes them: overlapping runs cannot lose each
 * other's entries, and a state change made meanwhile (a resume, a new source
 * list) is the state a commit applies its outcomes to.
 *
 * Error policy: one bad source only changes its own health; stored entries
 * are only ever added or updated by a run, never removed because a fetch
 * failed or a feed came back empty (retention is the only thing that drops
 * entries). Budget and deadline: a run sends at most SUBREQUEST_BUDGET
 * requests and stops starting fetches when its fetch window closes; due
 * sources it leaves behind are marked overdue and go first next run.
 *
 * Fan-out (optional, with a FETCH_QUEUE binding): due sources beyond the
 * budget are sent to the queue in batches; a consumer ingests a batch and
 * commits it itself (`consumeFanout`). A batch that never reports back is due
 * again when its lease (two cron periods) runs out.
 */
import { runConfig, type Config, type RunConfig } from './config';
import type { FetchFn } from './fetch';
import { hostOf, ingestAll, readBody, type IngestDeps } from './ingest';
import type { RunSummary, Source, SourceOutcome, SourceState } from './model';
import type { CommitReport } from './commit';
import type { CatalogApi, PlannedSource } from './store/object';
import type { SqlStats } from './store/sql';
import { emptyWebsubReport, verifySignature, websubStep, type WebsubReport } from './websub';

/** What the cron sends a queue consumer: one batch of sources with the polling state it planned them with. */
export interface FanoutMessage {
  v: 2;
  /** The `now` of the cron run that sent it. */
  sentAt: string;
  items: Array<{ source: Source; state: SourceState }>;
}

export type FanoutQueue = Pick<Queue<FanoutMessage>, 'sendBatch'>;

export interface RefreshDeps {
  catalog: CatalogApi;
  fetch: FetchFn;
  config: Config;
  /** Wall clock, used only to enforce the deadline and measure duration. */
  clock: () => number;
  /** Queue producer for fan-out; absent means every run stays within one invocation. */
  queue?: FanoutQueue | null;
}

export interface RefreshOptions {
  trigger: 'cron' | 'manual';
  /** Limit the run to one source id. */
  only?: string;
}

export class UnknownSourceError extends Error {}

/** Queue messages are limited to 128 KB and sendBatch to 100 messages or 256 KB; stay well under. */
const MESSAGE_MAX_BYTES = 100_000;
const SEND_BATCH_MAX_BYTES = 200_000;
const SEND_BATCH_MAX_MESSAGES = 100;
/** Outcomes are committed in batches of about this many bytes of entries (RPC payloads stay small). */
export const COMMIT_BATCH_BYTES = 2 * 1024 * 1024;

const utf8Length = (s: string) => new TextEncoder().encode(s).byteLength;

export function emptySummary(trigger: RunSummary['trigger'], now: Date): RunSummary {
  return {
    trigger, startedAt: now.toISOString(), finishedAt: now.toISOString(), durationMs: 0, sourcesTotal: 0, sourcesDue: 0,
    sourcesFetched: 0, sourcesDeferred: 0, notModified: 0, unchangedBody: 0, parsed: 0, failed: 0, newEntries: 0,
    updatedEntries: 0, duplicates: 0, duplicatesBy: {}, storiesTouched: 0, entriesStored: 0, stories: 0, entriesExpired: 0, subrequests: 0,
    retries: 0, conditional: 0, notDue: {}, sourcesQueued: 0, batchesQueued: 0, sqlRowsRead: 0, sqlRowsWritten: 0, kvWrites: 0, kvBytesWritten: 0,
    bytesFetched: 0, deadlineHit: false, errors: [], warnings: [],
  };
}

export async function refresh(deps: RefreshDeps, now: Date, opts: RefreshOptions): Promise<RunSummary> {
  const started = deps.clock();
  const cfg = runConfig(deps.config);
  // Leave time after fetching to commit and publish.
  const fetchDeadline = started + cfg.runDeadlineMs - Math.min(10_000, cfg.runDeadlineMs * 0.3);
  const summary = emptySummary(opts.trigger, now);
  const planned = await deps.catalog.plan({ now: now.toISOString(), manual: opts.trigger === 'manual', only: opts.only, config: cfg });
  addSql(summary, planned.sql);
  const plan = planned.value;
  if (plan.unknownSource) throw new UnknownSourceError(`no source with id "${opts.only}"`);
  summary.sourcesTotal = plan.sourcesTotal;
  summary.sourcesDue = plan.take.length + plan.deferred.length;
  summary.notDue = plan.notDue;

  const queued = deps.queue && opts.trigger === 'cron' && plan.deferred.length ? await fanOut(deps.queue, deps.catalog, plan.deferred, now, cfg, summary) : new Set<string>();
  const deferred = new Set(plan.deferred.map((p) => p.source.id).filter((id) => !queued.has(id)));

  const committer = new Committer(deps.catalog, cfg, now, opts.trigger, summary);
  const ingest = await ingestAll(deps, plan.take, now, fetchDeadline, async (o) => {
    if (o.kind === 'deferred') deferred.add(o.id);
    count(summary, o);
    await committer.add(o);
  });
  await committer.flush();
  summary.subrequests = ingest.subrequests;
  summary.retries = ingest.retries;
  summary.deadlineHit = ingest.deadlineHit;
  summary.sourcesDeferred = deferred.size;
  // WebSub after the run's own work (its publish decides which topics changed), with what is
  // left of the budget; it never fails the run.
  return finish(deps, summary, [...deferred], now, started, cfg, cfg.subrequestBudget - ingest.subrequests);
}

/**
 * Close a run: the writer records it and publishes the views; then the WebSub step sends what is
 * due with `websubBudget` requests (none for queue consumers), and the run's log line is written.
 */
async function finish(
  deps: Pick<RefreshDeps, 'catalog' | 'clock' | 'fetch'>, summary: RunSummary, deferred: string[], now: Date, started: number, cfg: RunConfig, websubBudget = 0,
): Promise<RunSummary> {
  summary.durationMs = Math.round(deps.clock() - started);
  summary.finishedAt = new Date(now.getTime() + summary.durationMs).toISOString();
  const done = await deps.catalog.finish({ summary, deferred, now: now.toISOString(), config: cfg });
  const websub = websubBudget > 0 ? await websubStep(deps, cfg, now, websubBudget) : emptyWebsubReport();
  console.log(runLogLine(done, websub));
  return done;
}

/**
 * One structured line per run (Workers Logs, wrangler.toml [observability]): its trigger, how long
 * it took, what it fetched (304s included), what it stored, errors by code, and what it cost in
 * subrequests, KV writes and SQL rows; plus what the WebSub step sent.
 */
export function runLogLine(s: RunSummary, websub: WebsubReport = emptyWebsubReport()): string {
  const errorsByCode: Record<string, number> = {};
  for (const e of s.errors) errorsByCode[e.code] = (errorsByCode[e.code] ?? 0) + 1;
  return JSON.stringify({
    event: 'run', trigger: s.trigger, startedAt: s.startedAt, durationMs: s.durationMs, sourcesDue: s.sourcesDue, fetched: s.sourcesFetched,
    notModified: s.notModified, unchangedBody: s.unchangedBody, parsed: s.parsed, failed: s.failed, errorsByCode, newEntries: s.newEntries,
    updatedEntries: s.updatedEntries, duplicates: s.duplicates, stories: s.stories, storiesTouched: s.storiesTouched, entriesStored: s.entriesStored,
    entriesExpired: s.entriesExpired, deferred: s.sourcesDeferred, queued: s.sourcesQueued, subrequests: s.subrequests, retries: s.retries,
    kvWrites: s.kvWrites, sqlRowsRead: s.sqlRowsRead, sqlRowsWritten: s.sqlRowsWritten, bytesFetched: s.bytesFetched, deadlineHit: s.deadlineHit, websub,
  });
}

function addSql(summary: RunSummary, sql: SqlStats): void {
  summary.sqlRowsRead += sql.rowsRead;
  summary.sqlRowsWritten += sql.rowsWritten;
}

/** Apply one source's outcome to the run's counters. */
function count(summary: RunSummary, o: SourceOutcome): void {
  summary.bytesFetched += o.bytes;
  for (const w of o.warnings) summary.warnings.push({ sourceId: o.id, code: w.code, message: w.message });
  if (o.kind === 'deferred') return;
  summary.sourcesFetched++;
  if (o.conditional) summary.conditional++;
  if (o.kind === 'not-modified') summary.notModified++;
  else if (o.kind === 'unchanged-body') summary.unchangedBody++;
  else if (o.kind === 'parsed') summary.parsed++;
  else if (o.kind === 'failed') {
    summary.failed++;
    summary.errors.push({ sourceId: o.id, code: o.failure!.code, message: o.failure!.message });
  }
}

/**
 * Collects outcomes and commits them to the writer in batches of about COMMIT_BATCH_BYTES of
 * entries, one batch at a time, in the order they completed. A source's outcome is never split:
 * its entries and its new validators are committed together.
 */
class Committer {
  private batch: SourceOutcome[] = [];
  private bytes = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly catalog: CatalogApi, private readonly cfg: RunConfig, private readonly now: Date,
    private readonly trigger: RunSummary['trigger'], private readonly summary: RunSummary,
  ) {}

  async add(o: SourceOutcome): Promise<void> {
    this.batch.push(o);
    for (const e of o.entries) this.bytes += e.title.length + e.summaryText.length + (e.summaryHtml?.length ?? 0) + (e.contentHtml?.length ?? 0) + e.fullText.length + 500;
    if (this.bytes >= COMMIT_BATCH_BYTES) await this.flush();
  }

  flush(): Promise<void> {
    const outcomes = this.batch;
    this.batch = [];
    this.bytes = 0;
    this.chain = this.chain.then(async () => {
      if (!outcomes.length) return;
      const res = await this.catalog.commit({ now: this.now.toISOString(), trigger: this.trigger, outcomes, config: this.cfg });
      addSql(this.summary, res.sql);
      addReport(this.summary, res.value);
    });
    return this.chain;
  }
}

function addReport(summary: RunSummary, r: CommitReport): void {
  summary.newEntries += r.newEntries;
  summary.updatedEntries += r.updatedEntries;
  summary.duplicates += r.duplicates;
  for (const [k, v] of Object.entries(r.duplicatesBy)) summary.duplicatesBy[k] = (summary.duplicatesBy[k] ?? 0) + v;
  summary.storiesTouched += r.storiesTouched;
  summary.entriesExpired += r.entriesExpired;
}

/**
 * Split due sources into fan-out batches of at most `size` sources and MESSAGE_MAX_BYTES each,
 * grouped by host. Everything passed in is queued in the same run, so the order between batches
 * does not matter; grouping puts one host's feeds in the same batch, where FETCH_PER_HOST
 * applies, instead of in several consumers hitting that host at once.
 */
export function fanoutMessages(items: PlannedSource[], size: number, now: Date): FanoutMessage[] {
  const sorted = [...items].sort((a, b) => {
    const [ha, hb] = [hostOf(a.state.url), hostOf(b.state.url)];
    return ha < hb ? -1 : ha > hb ? 1 : 0;
  });
  const out: FanoutMessage[] = [];
  let current: FanoutMessage['items'] = [];
  let bytes = 0;
  const flush = () => {
    if (current.length) out.push({ v: 2, sentAt: now.toISOString(), items: current });
    current = [];
    bytes = 0;
  };
  for (const it of sorted) {
    const n = utf8Length(JSON.stringify(it));
    if (current.length >= size || (current.length && bytes + n > MESSAGE_MAX_BYTES - 200)) flush();
    current.push(it);
    bytes += n;
  }
  flush();
  return out;
}

/** Send the sources this run cannot fetch to queue consumers; returns the ids sent, marked queued by the writer. */
async function fanOut(queue: FanoutQueue, catalog: CatalogApi, deferred: PlannedSource[], now: Date, cfg: RunConfig, summary: RunSummary): Promise<Set<string>> {
  const messages = fanoutMessages(deferred, cfg.fanoutBatchSize, now);
  const sent = new Set<string>();
  try {
    for (let i = 0; i < messages.length;) {
      const group: Array<{ body: FanoutMessage }> = [];
      let bytes = 0;
      while (i < messages.length && group.length < SEND_BATCH_MAX_MESSAGES) {
        const size = utf8Length(JSON.stringify(messages[i]));
        if (group.length && bytes + size > SEND_BATCH_MAX_BYTES) break;
        group.push({ body: messages[i++] });
        bytes += size;
      }
      await queue.sendBatch(group);
      for (const m of group) {
        for (const it of m.body.items) sent.add(it.source.id);
        summary.batchesQueued++;
      }
    }
  } catch (err) {
    // Whatever was not sent stays deferred and goes first next run.
    summary.errors.push({ sourceId: '*', code: 'FANOUT_FAILED', message: `refresh: could not queue fan-out batches: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300) });
  }
  summary.sourcesQueued = sent.size;
  if (sent.size) addSql(summary, (await catalog.markQueued({ ids: [...sent], now: now.toISOString(), config: cfg })).sql);
  return sent;
}

/**
 * A queue consumer: ingest each message's sources and commit them through the writer, like a
 * run of its own (it appears in the run history as trigger 'queue'). It shares one subrequest
 * budget across the messages of the invocation; sources beyond it are left overdue and the
 * cron takes them first. A message whose commit fails is retried by the queue (delivery is at
 * least once; committing the same outcome twice stores nothing new).
 */
export async function consumeFanout(
  deps: Omit<RefreshDeps, 'queue'>,
  messages: ReadonlyArray<Pick<Message<FanoutMessage>, 'body' | 'timestamp' | 'ack' | 'retry'>>,
): Promise<{ sources: number; subrequests: number; failedMessages: number }> {
  const cfg = runConfig(deps.config);
  const started = deps.clock();
  const fetchDeadline = started + cfg.runDeadlineMs - Math.min(10_000, cfg.runDeadlineMs * 0.3);
  let subrequests = 0;
  let sources = 0;
  let failedMessages = 0;
  for (const msg of messages) {
    const body = msg.body as FanoutMessage | { v: number; items?: unknown } | null;
    if (!body || (body.v !== 1 && body.v !== 2) || !Array.isArray(body.items)) {
      msg.ack(); // not ours to retry: a malformed message will never succeed
      continue;
    }
    const batch = body as FanoutMessage;
    // The batch belongs to the run that sent it: time is that run's, plus however long the message waited.
    const waited = Math.max(0, Date.now() - msg.timestamp.getTime());
    const now = new Date(Date.parse(batch.sentAt) + waited);
    const ingestDeps: IngestDeps = { fetch: deps.fetch, clock: deps.clock, config: { ...cfg, subrequestBudget: Math.max(0, cfg.subrequestBudget - subrequests) } };
    const summary = emptySummary('queue', now);
    summary.sourcesTotal = summary.sourcesDue = batch.items.length;
    const deferred: string[] = [];
    try {
      const committer = new Committer(deps.catalog, cfg, now, 'queue', summary);
      const r = await ingestAll(ingestDeps, batch.items, now, fetchDeadline, async (o) => {
        if (o.kind === 'deferred') deferred.push(o.id);
        count(summary, o);
        await committer.add(o);
      });
      await committer.flush();
      subrequests += r.subrequests;
      Object.assign(summary, { subrequests: r.subrequests, retries: r.retries, deadlineHit: r.deadlineHit, sourcesDeferred: deferred.length });
      await finish(deps, summary, deferred, now, started, cfg);
      sources += batch.items.length;
      msg.ack();
    } catch {
      failedMessages++;
      msg.retry();
    }
  }
  return { sources, subrequests, failedMessages };
}

/** How a WebSub distribution was answered (websub-routes.ts turns it into a response). */
export interface PushResult {
  /** 204 stored, 202 ignored (a bad signature or body: §8 lets a subscriber acknowledge and drop it), 410 no such or no active subscription. */
  status: 204 | 202 | 410;
  reason: string;
  newEntries: number;
}

/**
 * A body a hub distributed to `token` (W3C WebSub §7): checked against the subscription's secret,
 * then parsed and normalized like a fetched one (ingest.ts readBody) and committed through the
 * single writer as a run of its own (trigger 'push'), which publishes the views at once: the new
 * entries are served without waiting for a cron run. Nothing is stored when the signature is
 * missing or wrong, or when the subscription has no active lease.
 */
export async function receivePush(
  deps: Omit<RefreshDeps, 'queue'>, token: string, body: Uint8Array, contentType: string | null, signature: string | null, now: Date,
): Promise<PushResult> {
  const cfg = runConfig(deps.config);
  const started = deps.clock();
  const sub = await deps.catalog.websubLookup({ token, now: now.toISOString() });
  if (!sub || !sub.source) return { status: 410, reason: 'no such subscription', newEntries: 0 };
  const reject = async (status: 202 | 410, reason: string): Promise<PushResult> => {
    await deps.catalog.websubRecord({ token, now: now.toISOString(), event: 'rejected' });
    console.error(JSON.stringify({ websub: 'distribution refused', source: sub.source!.id, reason }));
    return { status, reason, newEntries: 0 };
  };
  const verdict = await verifySignature(sub.secret, body, signature);
  if (verdict !== 'ok') return reject(202, `signature ${verdict}`);
  if (!sub.active) return reject(410, 'the subscription has no active lease');
  let outcome: SourceOutcome;
  try {
    const read = await readBody(body, contentType, sub.source, sub.topic, now);
    outcome = {
      id: sub.source.id, configuredUrl: sub.source.url, kind: 'pushed', success: null, failure: null, entries: read.entries,
      warnings: read.warnings, requests: 0, retries: 0, conditional: false, bytes: body.byteLength,
    };
  } catch (err) {
    return reject(202, `unreadable body: ${err instanceof Error ? err.message : String(err)}`);
  }
  const summary = emptySummary('push', now);
  Object.assign(summary, { sourcesTotal: 1, sourcesDue: 0, parsed: 1, bytesFetched: body.byteLength });
  for (const w of outcome.warnings) summary.warnings.push({ sourceId: outcome.id, code: w.code, message: w.message });
  const committer = new Committer(deps.catalog, cfg, now, 'push', summary);
  await committer.add(outcome);
  await committer.flush();
  await deps.catalog.websubRecord({ token, now: now.toISOString(), event: 'pushed' });
  const done = await finish(deps, summary, [], now, started, cfg, cfg.subrequestBudget);
  return { status: 204, reason: 'stored', newEntries: done.newEntries };
}
