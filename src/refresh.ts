/**
 * The orchestrator: one ingest run, reading top to bottom as
 *
 *   plan -> collect fan-out results -> fan out -> fetch -> parse -> normalize
 *        -> merge -> dedupe -> group -> retain -> render -> store -> health
 *
 * and the error policy that goes with it: each source's fetch, parse and
 * normalize run inside their own try, so one bad source only changes its own
 * health record; stored entries are only ever added to or updated, never
 * removed because a fetch failed or a feed came back empty (retention is the
 * only thing that drops entries). Cron and POST /admin/refresh both call
 * `refresh`; queue consumers call `consumeFanout`.
 *
 * Budget and deadline. A run fetches at most SUBREQUEST_BUDGET requests
 * (redirect hops and the one connection retry count) and stops starting
 * fetches when its fetch window closes, leaving time to merge and write. Due
 * sources it leaves behind are marked overdue and go first next run.
 *
 * Fan-out (optional, with a FETCH_QUEUE binding). When a cron run has more
 * due sources than its budget, it sends the rest to the queue in batches of
 * FANOUT_BATCH_SIZE, each message carrying the sources and their polling
 * state. A consumer fetches, parses and normalizes one batch and writes the
 * result to its own `inbox:` key; it never touches the catalog or the health
 * record. The next cron run reads the inboxes it is waiting for, merges them
 * like its own fetches, and deletes them. So the catalog and health keep a
 * single writer, and KV's eventual consistency only delays a batch: one not
 * visible yet stays pending until its lease (two cron periods) runs out, and
 * then its sources are simply due again, first in line.
 *
 * Writes, in an order that is safe to interrupt: body parts, catalog, groups,
 * views, health, then inbox deletions. Health goes after the entries because
 * it holds the validators: if a run dies before it, the next run refetches
 * (or re-reads the inbox) and merges the same entries again, which is idempotent.
 */
import { applyRetention, mergeEntries, snapshotSources } from './catalog';
import type { Config } from './config';
import { FeedError, asFeedError } from './errors';
import { FetchFailure, fetchFeed, type FetchFn } from './fetch';
import type { MemoryGroupingState } from './grouping-state';
import { forgetEntries, loadMemoryState, placeBatch } from './placement';
import { sha256Hex } from './hash';
import { freshState, onDeferred, onFailure, onQueued, onSuccess, withDefaults, type Transition } from './health';
import type { Source, SourceState } from './model';
import { feedTitleText, normalizeFeed, type NormalizedEntry } from './normalize/index';
import { decodeTransport, parseFeedBody } from './parse/index';
import { EMPTY_CATALOG, RENDER_VERSION, bodyKeysOf, defaultEntryPage, indexCatalog, renderDefaultViewSet } from './render/index';
import { planRun, queueLeaseMs } from './schedule';
import { DEFAULT_SOURCES } from './sources';
import {
  BASE_PLACEHOLDER, BODY_PART_APPEND_MAX_BYTES, BODY_PART_MAX_BYTES, bodyKey, inboxKey, type CatalogRecord, type InboxOutcome, type PendingBatch,
  type RunSummary, type SourceSnapshot, type Store, type StoredEntry,
} from './store';

/** What the cron sends a queue consumer: one batch of sources with the polling state it planned them with. */
export interface FanoutMessage {
  v: 1;
  /** The inbox key the consumer writes its results to. */
  key: string;
  /** The `now` of the cron run that sent it. */
  sentAt: string;
  items: Array<{ source: Source; state: SourceState }>;
}

export type FanoutQueue = Pick<Queue<FanoutMessage>, 'sendBatch'>;

export interface RefreshDeps {
  store: Store;
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

type OutcomeKind = InboxOutcome['kind'];

interface SourceOutcome {
  id: string;
  transition: Transition | null;
  entries: NormalizedEntry[];
  kind: OutcomeKind;
  requests: number;
  conditional: boolean;
  bytes: number;
  error?: FeedError;
}

/** Queue messages are limited to 128 KB and sendBatch to 100 messages or 256 KB; stay well under. */
const MESSAGE_MAX_BYTES = 100_000;
const SEND_BATCH_MAX_BYTES = 200_000;
const SEND_BATCH_MAX_MESSAGES = 100;
/** KV values are limited to 25 MiB; a consumer keeps its inbox under this. */
const INBOX_MAX_BYTES = 20 * 1024 * 1024;
/** An inbox nobody merges expires after a day. */
const INBOX_TTL_SECONDS = 86_400;

const utf8Length = (s: string) => new TextEncoder().encode(s).byteLength;

/**
 * Split due sources into fan-out batches of at most `size` sources and MESSAGE_MAX_BYTES each,
 * grouped by host. Everything passed in is queued in the same run, so the order between batches
 * does not matter; grouping puts one host's feeds in the same batch, where FETCH_PER_HOST
 * applies, instead of in several consumers hitting that host at once.
 */
export function fanoutMessages(ids: string[], size: number, now: Date, item: (id: string) => FanoutMessage['items'][number]): FanoutMessage[] {
  const hosts = new Map(ids.map((id) => [id, hostOf(item(id).state.url)]));
  ids = [...ids].sort((a, b) => (hosts.get(a)! < hosts.get(b)! ? -1 : hosts.get(a)! > hosts.get(b)! ? 1 : 0));
  const out: FanoutMessage[] = [];
  let current: FanoutMessage['items'] = [];
  let bytes = 0;
  const flush = () => {
    if (!current.length) return;
    out.push({ v: 1, key: inboxKey(now, out.length), sentAt: now.toISOString(), items: current });
    current = [];
    bytes = 0;
  };
  for (const id of ids) {
    const it = item(id);
    const n = utf8Length(JSON.stringify(it));
    if (current.length >= size || (current.length && bytes + n > MESSAGE_MAX_BYTES - 200)) flush();
    current.push(it);
    bytes += n;
  }
  flush();
  return out;
}

/**
 * Run `worker` over `items` with at most `limit` in flight (Workers allow 6 open connections),
 * and at most `perKey` in flight for items sharing a key (one host: being polite to a server
 * that hosts many of our feeds, and not overrunning small servers' listen queues).
 */
async function pool<T>(items: T[], limit: number, perKey: number, keyOf: (item: T) => string, worker: (item: T) => Promise<void>): Promise<void> {
  const waiting = [...items];
  const busy = new Map<string, number>();
  let active = 0;
  return new Promise<void>((resolve, reject) => {
    const launch = () => {
      if (!waiting.length && active === 0) return resolve();
      while (active < limit) {
        const i = waiting.findIndex((it) => (busy.get(keyOf(it)) ?? 0) < perKey);
        if (i < 0) return;
        const [item] = waiting.splice(i, 1);
        const key = keyOf(item);
        busy.set(key, (busy.get(key) ?? 0) + 1);
        active++;
        worker(item).then(() => {
          active--;
          busy.set(key, busy.get(key)! - 1);
          launch();
        }, reject);
      }
    };
    launch();
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function emptySummary(trigger: RunSummary['trigger'], now: Date): RunSummary {
  return {
    trigger, startedAt: now.toISOString(), finishedAt: now.toISOString(), durationMs: 0, sourcesTotal: 0, sourcesDue: 0,
    sourcesFetched: 0, sourcesDeferred: 0, notModified: 0, unchangedBody: 0, parsed: 0, failed: 0, newEntries: 0,
    updatedEntries: 0, duplicates: 0, duplicatesBy: {}, stories: 0, storiesTouched: 0, groupStateBytes: 0, entriesStored: 0, entriesExpired: 0, subrequests: 0,
    conditional: 0, notDue: {}, sourcesQueued: 0, batchesQueued: 0, batchesMerged: 0, batchesExpired: 0,
    kvReads: 0, kvWrites: 0, kvDeletes: 0, bytesFetched: 0, deadlineHit: false, errors: [],
  };
}

/** Fetch, parse and normalize one source. Never throws: failures become the source's outcome. */
async function ingestSource(
  deps: Pick<RefreshDeps, 'fetch' | 'config'>, source: Source, state: SourceState, now: Date, deadlineMs: number, acquire: () => boolean,
): Promise<SourceOutcome> {
  const cfg = deps.config;
  const conditional = Boolean(state.etag || state.lastModified);
  let requests = 0;
  let bytes = 0;
  try {
    const res = await fetchFeed(deps.fetch, state.url, {
      etag: state.etag, lastModified: state.lastModified, timeoutMs: cfg.fetchTimeoutMs, deadlineMs, maxBodyBytes: cfg.maxBodyBytes,
      maxRedirects: cfg.maxRedirects, allowPrivate: cfg.allowPrivateSources, userAgent: cfg.userAgent, now,
      acquireSubrequest: acquire,
    });
    requests = res.requests;
    const base = { status: res.status, etag: res.etag, lastModified: res.lastModified, freshnessSeconds: res.freshnessSeconds, permanentRedirect: res.permanentRedirect };
    if (res.kind === 'not-modified') {
      return { id: source.id, transition: onSuccess(state, base, now, cfg), entries: [], kind: 'not-modified', requests, conditional, bytes };
    }
    bytes = res.body.byteLength;
    // A 200 whose bytes are the ones we parsed last time costs a hash, not a parse.
    const bodyHash = await sha256Hex(res.body);
    if (bodyHash === state.bodyHash) {
      return { id: source.id, transition: onSuccess(state, { ...base, unchangedBody: true }, now, cfg), entries: [], kind: 'unchanged-body', requests, conditional, bytes };
    }
    // A gzip body sent without Content-Encoding is unwrapped before the charset is sniffed.
    const { feed, repaired } = parseFeedBody(await decodeTransport(res.body), res.contentType);
    // Repair keeps what a broken document still holds; one that yields no item at all is a failure.
    if (repaired && feed.items.length === 0) {
      throw new FeedError('INVALID_FEED', 'parse', 'malformed XML with no complete item to recover');
    }
    const entries = normalizeFeed(feed, { source, feedUrl: res.finalUrl, now });
    const transition = onSuccess(state, {
      ...base,
      parsed: {
        bodyHash, ttlMinutes: feed.ttlMinutes, skipHours: feed.skipHours, skipDays: feed.skipDays, title: feedTitleText(feed),
        link: feed.link, language: feed.language, items: feed.items.length, changedEntries: 0, repaired,
      },
    }, now, cfg);
    return { id: source.id, transition, entries, kind: 'parsed', requests, conditional, bytes };
  } catch (err) {
    if (err instanceof FetchFailure) requests = err.requests;
    const fe = asFeedError(err, err instanceof FetchFailure ? 'fetch' : 'parse');
    // Running out of budget or run time is not the source's fault: no failure, no backoff.
    if (fe.code === 'BUDGET_EXHAUSTED' || fe.code === 'DEADLINE') {
      return { id: source.id, transition: null, entries: [], kind: 'deferred', requests, conditional, bytes, error: fe };
    }
    return { id: source.id, transition: onFailure(state, fe, now, cfg), entries: [], kind: 'failed', requests, conditional, bytes, error: fe };
  }
}

/**
 * Fetch a list of sources within the budget and before `fetchDeadline` (a `deps.clock` time).
 * Sources never started, or cut off by the budget or the deadline, come back as 'deferred'.
 */
async function fetchAll(
  deps: Pick<RefreshDeps, 'fetch' | 'config' | 'clock'>, items: Array<{ source: Source; state: SourceState }>, now: Date, fetchDeadline: number,
): Promise<{ outcomes: SourceOutcome[]; subrequests: number; deadlineHit: boolean }> {
  const cfg = deps.config;
  let subrequests = 0;
  let deadlineHit = false;
  const acquire = () => (subrequests < cfg.subrequestBudget ? (subrequests++, true) : false);
  const outcomes: SourceOutcome[] = [];
  await pool(items, cfg.fetchConcurrency, cfg.fetchPerHost, (it) => hostOf(it.state.url), async ({ source, state }) => {
    const remaining = fetchDeadline - deps.clock();
    if (remaining <= 0 || subrequests >= cfg.subrequestBudget) {
      if (remaining <= 0) deadlineHit = true;
      outcomes.push({ id: source.id, transition: null, entries: [], kind: 'deferred', requests: 0, conditional: false, bytes: 0 });
      return;
    }
    const outcome = await ingestSource(deps, source, state, now, remaining, acquire);
    if (outcome.error?.code === 'DEADLINE') deadlineHit = true;
    outcomes.push(outcome);
  });
  return { outcomes, subrequests, deadlineHit };
}

/** Apply one source's outcome to the run's counters. */
function count(summary: RunSummary, o: Pick<SourceOutcome, 'id' | 'kind' | 'bytes' | 'conditional' | 'requests'> & { error?: { code: string; message: string } | null }): void {
  summary.bytesFetched += o.bytes;
  if (o.kind === 'deferred') return;
  summary.sourcesFetched++;
  if (o.conditional) summary.conditional++;
  if (o.kind === 'not-modified') summary.notModified++;
  else if (o.kind === 'unchanged-body') summary.unchangedBody++;
  else if (o.kind === 'parsed') summary.parsed++;
  else if (o.kind === 'failed') {
    summary.failed++;
    summary.errors.push({ sourceId: o.id, code: o.error!.code, message: o.error!.message });
  }
}

export async function refresh(deps: RefreshDeps, now: Date, opts: RefreshOptions): Promise<RunSummary> {
  const { store, config: cfg } = deps;
  const started = deps.clock();
  const deadline = started + cfg.runDeadlineMs;
  // Leave time after fetching to merge, render and write.
  const fetchDeadline = deadline - Math.min(10_000, cfg.runDeadlineMs * 0.3);
  const summary = emptySummary(opts.trigger, now);
  const readsBefore = store.stats.reads;
  const writesBefore = store.stats.writes;
  const deletesBefore = store.stats.deletes;

  // ---- plan -----------------------------------------------------------------
  const sources = (await store.getSources())?.sources ?? DEFAULT_SOURCES;
  const health = await store.getHealth();
  const prevStates = health?.sources ?? {};
  const states: Record<string, SourceState> = {};
  let healthDirty = false;
  for (const s of sources) {
    const prev = prevStates[s.id];
    if (prev && prev.configuredUrl === s.url) states[s.id] = withDefaults(prev);
    else {
      states[s.id] = freshState(s, cfg);
      healthDirty = true;
    }
  }
  if (Object.keys(prevStates).some((id) => !states[id])) healthDirty = true;
  if (opts.only && !states[opts.only]) throw new UnknownSourceError(`no source with id "${opts.only}"`);
  summary.sourcesTotal = sources.length;

  // ---- collect what queue consumers fetched for earlier runs ------------------
  const incoming: NormalizedEntry[] = [];
  const changedByInbox = new Set<string>();
  const pending: PendingBatch[] = [];
  const merged: string[] = [];
  for (const batch of health?.pendingBatches ?? []) {
    // Bound one run's work (and memory) to about what the catalog can hold; the rest waits a run.
    if (incoming.length >= cfg.retentionMaxEntries) {
      pending.push(batch);
      continue;
    }
    const rec = await store.getInbox(batch.key);
    if (!rec) {
      // Not written yet, or not visible here yet (KV takes up to a minute to propagate).
      if (now.getTime() - Date.parse(batch.sentAt) < queueLeaseMs(cfg)) pending.push(batch);
      else {
        summary.batchesExpired++;
        healthDirty = true;
      }
      continue;
    }
    for (const o of rec.outcomes) {
      const current = states[o.id];
      // A result for a source since removed or re-pointed is dropped; its fetch simply happens again.
      if (!current || current.configuredUrl !== o.configuredUrl) continue;
      count(summary, o);
      incoming.push(...o.entries);
      // Keep a newer local state (a manual refresh may have fetched it since).
      if (current.lastFetchAt && o.state.lastFetchAt && Date.parse(current.lastFetchAt) > Date.parse(o.state.lastFetchAt)) continue;
      states[o.id] = withDefaults(o.state);
      if (o.entries.length) changedByInbox.add(o.id);
    }
    merged.push(batch.key);
    summary.batchesMerged++;
    healthDirty = true;
  }

  const plan = planRun(Object.values(states), now, cfg, { manual: opts.trigger === 'manual', budget: cfg.subrequestBudget, only: opts.only });
  summary.sourcesDue = plan.take.length + plan.deferred.length;
  summary.notDue = plan.notDue;
  const byId = new Map(sources.map((s) => [s.id, s]));
  let deferred = plan.deferred;

  // ---- fan out what this invocation's budget cannot cover ---------------------
  if (deps.queue && opts.trigger === 'cron' && deferred.length) {
    const messages = fanoutMessages(deferred, cfg.fanoutBatchSize, now, (id) => ({ source: byId.get(id)!, state: states[id] })).map((body) => ({ body }));
    const sent = new Set<string>();
    try {
      for (let i = 0; i < messages.length;) {
        const group: typeof messages = [];
        let bytes = 0;
        while (i < messages.length && group.length < SEND_BATCH_MAX_MESSAGES) {
          const size = utf8Length(JSON.stringify(messages[i].body));
          if (group.length && bytes + size > SEND_BATCH_MAX_BYTES) break;
          group.push(messages[i++]);
          bytes += size;
        }
        await deps.queue.sendBatch(group);
        for (const m of group) sent.add(m.body.key);
      }
    } catch (err) {
      // Whatever was not sent stays deferred and goes first next run.
      summary.errors.push({ sourceId: '*', code: 'FANOUT_FAILED', message: `refresh: could not queue fan-out batches: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300) });
    }
    const queued = new Set<string>();
    for (const m of messages) {
      if (!sent.has(m.body.key)) continue;
      const ids = m.body.items.map((it) => it.source.id);
      pending.push({ key: m.body.key, ids, sentAt: m.body.sentAt });
      for (const id of ids) {
        states[id] = onQueued(states[id], now, cfg).state;
        queued.add(id);
      }
      summary.batchesQueued++;
      summary.sourcesQueued += ids.length;
      healthDirty = true;
    }
    deferred = deferred.filter((id) => !queued.has(id));
  }

  // ---- fetch, parse, normalize (per source, isolated) ------------------------
  const fetched = await fetchAll(deps, plan.take.map((id) => ({ source: byId.get(id)!, state: states[id] })), now, fetchDeadline);
  const outcomes = fetched.outcomes;
  summary.subrequests = fetched.subrequests;
  summary.deadlineHit = fetched.deadlineHit;
  const deferredIds = new Set(deferred);
  for (const o of outcomes) {
    if (o.kind === 'deferred') deferredIds.add(o.id);
    count(summary, o);
    incoming.push(...o.entries);
  }
  summary.sourcesDeferred = deferredIds.size;

  // ---- merge, dedupe, group, retain ------------------------------------------
  let catalogChanged = false;
  let catalog: CatalogRecord | null = null;
  const changedPerSource = new Map<string, number>();
  if (incoming.length) {
    catalog = (await store.getCatalog()) ?? { ...EMPTY_CATALOG, entries: [], sources: {}, bodyParts: {} };
    const groups = await store.getGroups();
    const entryMap = new Map<string, StoredEntry>(catalog.entries.map((e) => [e.id, e]));
    const { added, updated } = mergeEntries(entryMap, incoming, now);
    for (const e of [...added, ...updated]) changedPerSource.set(e.sourceId, (changedPerSource.get(e.sourceId) ?? 0) + 1);
    summary.newEntries = added.length;
    summary.updatedEntries = updated.length;
    if (added.length || updated.length) {
      catalogChanged = true;
      const grouping = placeEntries(entryMap, added, updated, groups?.state ?? null, cfg, summary);
      const { parts, newBodies } = await writeBodies(store, catalog.bodyParts, [...added, ...updated], entryMap, now, cfg);
      const { kept, expired } = applyRetention([...entryMap.values()], now, cfg.retentionDays, cfg.retentionMaxEntries);
      summary.entriesExpired = expired.length;
      forgetEntries(grouping, expired, { windowHours: cfg.storyWindowHours });
      const liveParts = new Set(bodyKeysOf(kept));
      for (const k of Object.keys(parts)) if (!liveParts.has(k)) delete parts[k];
      const snapshots: SourceSnapshot[] = sources.map((s) => ({
        id: s.id,
        title: s.title ?? states[s.id]?.feedTitle ?? s.id,
        feed_url: s.url,
        home_page_url: s.home_page_url ?? states[s.id]?.feedLink ?? null,
        category: s.category,
      }));
      catalog = {
        schema: catalog.schema,
        rev: catalog.rev + 1,
        updatedAt: now.toISOString(),
        sources: snapshotSources(catalog.sources, snapshots, kept),
        entries: kept,
        bodyParts: parts,
      };
      await store.putCatalog(catalog);
      const groupsRecord = { rev: catalog.rev, state: grouping.toBlob(kept.map((e) => e.id)) };
      const written = await store.putGroups(groupsRecord);
      summary.groupStateBytes = written;
      await renderDefaultViews(store, catalog, newBodies, cfg);
    }
  }

  // ---- health ------------------------------------------------------------------
  for (const o of outcomes) {
    if (!o.transition) continue;
    let t = o.transition;
    const changed = changedPerSource.get(o.id) ?? 0;
    if (changed > 0) t = { state: { ...t.state, lastChangeAt: now.toISOString() }, hard: true };
    states[o.id] = t.state;
    if (t.hard) healthDirty = true;
  }
  for (const id of changedByInbox) {
    if ((changedPerSource.get(id) ?? 0) > 0) states[id] = { ...states[id], lastChangeAt: now.toISOString() };
  }
  // Due sources left behind remember since when, so the next run takes them first.
  for (const id of deferredIds) {
    const t = onDeferred(states[id], now, cfg);
    states[id] = t.state;
    if (t.hard) healthDirty = true;
  }
  const heartbeatDue = outcomes.length > 0 && (!health || now.getTime() - Date.parse(health.savedAt) >= cfg.healthHeartbeatMinutes * 60_000);
  // A manual refresh fetches off the schedule; recording when keeps the next cron run from
  // polling those sources again before their interval has passed.
  const manualFetched = opts.trigger === 'manual' && outcomes.some((o) => o.kind !== 'deferred');
  const idx = catalog ? catalog.entries : null;
  summary.entriesStored = idx ? idx.length : 0;
  summary.stories = idx ? new Set(idx.filter((e) => !e.dupOf).map((e) => e.storyId)).size : 0;
  summary.finishedAt = new Date(now.getTime() + (deps.clock() - started)).toISOString();
  summary.durationMs = Math.round(deps.clock() - started);
  summary.kvReads = store.stats.reads - readsBefore;
  summary.kvDeletes = merged.length;
  if (healthDirty || heartbeatDue || catalogChanged || manualFetched) {
    summary.kvWrites = store.stats.writes - writesBefore + 1;
    await store.putHealth({ savedAt: now.toISOString(), sources: states, lastRun: summary, pendingBatches: pending });
  } else {
    summary.kvWrites = store.stats.writes - writesBefore;
  }
  // Only now that the health record no longer names them can the merged inboxes go.
  for (const key of merged) await store.deleteInbox(key);
  summary.kvDeletes = store.stats.deletes - deletesBefore;
  return summary;
}

/**
 * A queue consumer: fetch, parse and normalize each message's sources and write the results
 * to the message's inbox key. It shares one subrequest budget across the messages of the
 * invocation; sources beyond it come back 'deferred' and the cron takes them first next run.
 * A message whose inbox cannot be written is retried by the queue (delivery is at least once;
 * the cron merges a given inbox key once, and merging is idempotent anyway).
 */
export async function consumeFanout(
  deps: Omit<RefreshDeps, 'queue'>,
  messages: ReadonlyArray<Pick<Message<FanoutMessage>, 'body' | 'timestamp' | 'ack' | 'retry'>>,
  opts: { inboxMaxBytes?: number } = {},
): Promise<{ sources: number; subrequests: number; failedMessages: number }> {
  const inboxMax = opts.inboxMaxBytes ?? INBOX_MAX_BYTES;
  const { store, config: cfg } = deps;
  const started = deps.clock();
  const fetchDeadline = started + cfg.runDeadlineMs - Math.min(10_000, cfg.runDeadlineMs * 0.3);
  let subrequests = 0;
  let sources = 0;
  let failedMessages = 0;
  for (const msg of messages) {
    const body = msg.body;
    if (!body || body.v !== 1 || !Array.isArray(body.items)) {
      msg.ack(); // not ours to retry: a malformed message will never succeed
      continue;
    }
    // The batch belongs to the run that sent it: time is that run's, plus however long the message waited.
    const waited = Math.max(0, Date.now() - msg.timestamp.getTime());
    const now = new Date(Date.parse(body.sentAt) + waited);
    const left = { ...cfg, subrequestBudget: Math.max(0, cfg.subrequestBudget - subrequests) };
    const result = await fetchAll({ ...deps, config: left }, body.items.map((it) => ({ source: it.source, state: withDefaults(it.state) })), now, fetchDeadline);
    subrequests += result.subrequests;
    sources += body.items.length;
    const snapshot = new Map(body.items.map((it) => [it.source.id, it]));
    // A source whose result does not fit the inbox any more is reported as not fetched: it keeps
    // its old state, so the cron fetches it again, first in line. Nothing is lost, only delayed.
    let size = 0;
    const outcomes: InboxOutcome[] = result.outcomes.map((o) => {
      const item = snapshot.get(o.id)!;
      const deferredState = { ...withDefaults(item.state), queuedAt: null, dueSince: item.state.dueSince ?? body.sentAt };
      const full: InboxOutcome = {
        id: o.id, configuredUrl: item.source.url, kind: o.kind, state: o.transition ? o.transition.state : deferredState, hard: o.transition?.hard ?? true,
        entries: o.entries, error: o.error ? { code: o.error.code, message: o.error.message } : null, requests: o.requests, conditional: o.conditional, bytes: o.bytes,
      };
      const n = utf8Length(JSON.stringify(full));
      if (size + n <= inboxMax) {
        size += n;
        return full;
      }
      return { ...full, kind: 'deferred', state: deferredState, hard: true, entries: [], error: null };
    });
    try {
      await store.putInbox({ key: body.key, fetchedAt: now.toISOString(), outcomes }, INBOX_TTL_SECONDS);
      msg.ack();
    } catch {
      failedMessages++;
      msg.retry();
    }
  }
  return { sources, subrequests, failedMessages };
}

/**
 * Dedupe, then group, the entries a run added (placement.ts: oldest first, so within one batch
 * the earliest version becomes the primary). Mutates `entryMap`: new entries go in without their
 * HTML, with their story, duplicate link and join reason; entries of stories merged away are
 * relabelled to the surviving story. The grouping state lives in memory for the run and is
 * kept in the groups blob.
 */
function placeEntries(
  entryMap: Map<string, StoredEntry>, added: NormalizedEntry[], updated: NormalizedEntry[], stored: unknown, cfg: Config, summary: RunSummary,
): MemoryGroupingState {
  const opts = { windowHours: cfg.storyWindowHours };
  const state = loadMemoryState(stored, entryMap.values(), opts);
  const touched = new Set<string>();
  for (const p of placeBatch(state, added, opts, (id) => entryMap.get(id)?.storyId)) {
    const e = p.entry;
    e.storyId = p.storyId;
    e.dupOf = p.dupOf;
    e.joinReason = p.reason;
    if (p.dupOf) {
      summary.duplicates++;
      const rule = p.reason?.rule ?? 'unknown';
      summary.duplicatesBy[rule] = (summary.duplicatesBy[rule] ?? 0) + 1;
    }
    if (p.merged.length) {
      const gone = new Set(p.merged);
      for (const other of entryMap.values()) if (gone.has(other.storyId)) other.storyId = p.storyId;
    }
    touched.add(e.storyId);
    entryMap.set(e.id, stripBodies(e));
  }
  for (const e of updated) entryMap.set(e.id, stripBodies(e));
  summary.storiesTouched = touched.size;
  return state;
}

/**
 * Store the HTML of new and updated entries. It goes into this hour's newest part while that
 * part is under BODY_PART_APPEND_MAX_BYTES (a small read-modify-write), else into a new part;
 * parts are cut at BODY_PART_MAX_BYTES. Sets each entry's `bodyKey`; returns the parts in use
 * and the HTML written, for rendering.
 */
async function writeBodies(
  store: Store, previousParts: Record<string, number>, changed: NormalizedEntry[], entryMap: Map<string, StoredEntry>, now: Date, cfg: Config,
): Promise<{ parts: Record<string, number>; newBodies: Map<string, [string, string]> }> {
  const parts = { ...previousParts };
  const newBodies = new Map<string, [string, string]>();
  const withHtml = changed.filter((e) => e.summaryHtml || e.contentHtml);
  if (!withHtml.length) return { parts, newBodies };
  const hourPrefix = bodyKey(now, 0).slice(0, -2);
  const existing = Object.keys(parts).filter((k) => k.startsWith(hourPrefix)).map((k) => Number(k.slice(hourPrefix.length + 1)));
  let part = existing.length ? Math.max(...existing) : 0;
  if (parts[bodyKey(now, part)] !== undefined && parts[bodyKey(now, part)] >= BODY_PART_APPEND_MAX_BYTES) part++;
  let key = bodyKey(now, part);
  let current = parts[key] !== undefined ? (await store.getBodies(key))?.bodies ?? {} : {};
  let size = parts[key] ?? 0;
  const ttl = (cfg.retentionDays + 1) * 86_400;
  for (const e of withHtml) {
    const pair: [string, string] = [e.summaryHtml ?? '', e.contentHtml ?? ''];
    const bytes = pair[0].length + pair[1].length + e.id.length + 16;
    if (size + bytes > BODY_PART_MAX_BYTES && Object.keys(current).length) {
      await store.putBodies(key, { bodies: current }, ttl);
      parts[key] = size;
      part++;
      key = bodyKey(now, part);
      current = {};
      size = 0;
    }
    current[e.id] = pair;
    size += bytes;
    newBodies.set(e.id, pair);
    entryMap.get(e.id)!.bodyKey = key;
  }
  await store.putBodies(key, { bodies: current }, ttl);
  parts[key] = size;
  return { parts, newBodies };
}

function stripBodies(e: NormalizedEntry): StoredEntry {
  const { summaryHtml: _s, contentHtml: _c, fullText: _f, ...rest } = e;
  return rest;
}

/** Pre-render the unfiltered first pages. Bodies not produced by this run are read from their parts. */
async function renderDefaultViews(store: Store, catalog: CatalogRecord, fresh: Map<string, [string, string]>, cfg: Config): Promise<void> {
  const idx = indexCatalog(catalog);
  const bodies = new Map(fresh);
  // The first page mostly holds entries the previous views already carried: take their HTML
  // from there instead of reading the (large) body parts they live in.
  const page = defaultEntryPage(idx);
  const missingBefore = page.entries.filter((e) => e.bodyKey && !bodies.has(e.id));
  if (missingBefore.length) {
    const previous = await store.getViews();
    for (const e of missingBefore) {
      const pair = previous?.bodies?.[e.id];
      if (pair) bodies.set(e.id, pair);
    }
  }
  const missing = page.entries.filter((e) => e.bodyKey && !bodies.has(e.id));
  for (const [id, pair] of await store.getBodiesOf(bodyKeysOf(missing))) bodies.set(id, pair);
  await store.putViews({
    rev: catalog.rev,
    builtAt: catalog.updatedAt,
    lastModified: new Date(catalog.updatedAt).toUTCString(),
    renderVersion: RENDER_VERSION,
    formats: renderDefaultViewSet(idx, bodies, { base: BASE_PLACEHOLDER, ttlMinutes: cfg.cronIntervalMinutes }),
    bodies: Object.fromEntries(page.entries.flatMap((e) => (bodies.has(e.id) ? [[e.id, bodies.get(e.id)!]] : []))),
  });
}
