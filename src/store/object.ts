/**
 * The catalog object: a SQLite-backed Durable Object that is Marquee's system
 * of record and its only writer. One instance (named "main") holds the source
 * list, each source's polling state, the entries with their HTML, duplicates,
 * stories and grouping state, and the run history. Durable Objects process
 * one event at a time and each method's writes run in one transaction, so
 * overlapping runs, manual refreshes, resumes and source-list changes are
 * serialized here and never overwrite each other.
 *
 * Fetching happens outside (in the cron invocation or a queue consumer), so
 * the object never waits on the network; it plans, commits results, and
 * publishes the default views to KV (views.ts), which is what the edge reads.
 *
 * RPC surface (called through the stub by refresh.ts, serve.ts, app.ts and websub.ts):
 *   plan / markQueued / commit / finish   one ingest run (a WebSub push is one too)
 *   replaceSources / resume               admin transitions
 *   sourceList / adminSources / health / runs / entryPage / storyPage   reads
 *   publish / alarm                       views to KV (alarm retries a failed write)
 *   websubWork / websubSettle             what WebSub requests are due, and how they went
 *   websubLookup / websubVerify / websubRecord   a hub calling back (websub-routes.ts)
 */
import { DurableObject } from 'cloudflare:workers';
import { commit, currentState, replaceSources, type CommitInput, type CommitReport } from '../commit';
import { loadConfig, type Env, type RunConfig } from '../config';
import { healthCounts, onDeferred, onQueued, onResume, type HealthStatus } from '../health';
import type { RunSummary, Source, SourceState } from '../model';
import type { ListQuery } from '../query';
import { fnv1a } from '../hash';
import { DEFAULT_QUERY, RENDER_VERSION, TOPIC_PATHS, renderDefaultViewSet, type ViewFormat } from '../render/index';
import { rankKey } from '../rank';
import { planRun, type NotDueReason } from '../schedule';
import { DEFAULT_SOURCES } from '../sources';
import { topicHubs, type SubscriptionRequest } from '../websub';
import {
  dueAction, isActive, onPushed, onRejected, onRequestFailed, onRequested, onVerify, statusOf,
  type Subscription, type SubscriptionStatus, type VerifyRequest,
} from '../websub-state';
import { CatalogDb } from './db';
import { entryPageBundle, revisionOf, storyPageBundle, type PageBundle } from './pages';
import { migrate } from './schema';
import { Sql, type SqlStats } from './sql';
import { importV1 } from './v1';
import { BASE_PLACEHOLDER, writeViews } from './views';

/** Run summaries kept for GET /admin/runs. */
export const RUNS_KEPT = 200;
/** SQL rows a run's own history row costs: the insert, and the oldest row it pushes out. */
const RUN_ROW_WRITES = 2;
/** A failed KV write of the views is retried this much later, by the object's alarm. */
const PUBLISH_RETRY_MS = 5_000;

export interface PlannedSource {
  source: Source;
  state: SourceState;
}

export interface PlanResult {
  /** WebSub subscription requests due now: the run keeps this much of its budget for them. */
  websubDue: number;
  unknownSource: boolean;
  sourcesTotal: number;
  take: PlannedSource[];
  deferred: PlannedSource[];
  notDue: Partial<Record<NotDueReason, number>>;
  /** Why `only` was not taken, when it was asked for and is not due. */
  onlyReason: NotDueReason | null;
}

/** A storage call's own cost, added up by the run. */
export interface Costed<T> {
  value: T;
  sql: SqlStats;
}

/** The methods the Worker calls on the object's stub (RPC); the class implements them. */
export interface CatalogApi {
  plan(req: { now: string; manual: boolean; only?: string; config: RunConfig }): Promise<Costed<PlanResult>>;
  markQueued(req: { ids: string[]; now: string; config: RunConfig }): Promise<Costed<null>>;
  commit(req: CommitInput & { config: RunConfig }): Promise<Costed<CommitReport>>;
  finish(req: { summary: RunSummary; deferred: string[]; now: string; config: RunConfig }): Promise<RunSummary>;
  replaceSources(req: { sources: Source[]; now: string; config: RunConfig }): Promise<{ renamed: Array<[string, string]>; removed: string[] }>;
  resume(req: { id: string; now: string; config: RunConfig }): Promise<SourceState | null>;
  sourceList(): Promise<{ sources: Source[]; updatedAt: string | null; rev: number }>;
  adminSources(req: { config: RunConfig }): Promise<AdminSources>;
  health(req: { config: RunConfig }): Promise<HealthReport>;
  runs(req: { limit: number; before: number | null }): Promise<Array<{ n: number; summary: RunSummary }>>;
  entryPage(q: ListQuery): Promise<PageBundle>;
  storyPage(q: ListQuery): Promise<PageBundle>;
  publish(req: { config: RunConfig }): Promise<{ written: boolean; bytes: number }>;
  websubWork(req: { now: string; config: RunConfig; maxRequests: number }): Promise<{ pings: string[]; requests: SubscriptionRequest[] }>;
  websubSettle(req: { now: string; config: RunConfig; pingsSent: string[]; failures: Array<{ token: string; code: string; message: string }>; unsent: string[] }): Promise<null>;
  websubLookup(req: { token: string; now: string }): Promise<{ source: Source | null; secret: string; topic: string; active: boolean } | null>;
  websubVerify(req: { token: string; now: string; config: RunConfig; verify: VerifyRequest }): Promise<'confirm' | 'noted' | 'refuse'>;
  websubRecord(req: { token: string; now: string; event: 'pushed' | 'rejected' }): Promise<null>;
}

export interface HealthReport {
  counts: Record<HealthStatus, number>;
  overdue: number;
  queued: number;
  lastRun: (RunSummary & { n: number }) | null;
  /** Subscriptions to sources' hubs by status, and publish pings not yet delivered. */
  websub: { subscriptions: Partial<Record<SubscriptionStatus, number>>; pendingPings: number };
}

export interface AdminSources {
  rows: Array<{ source: Source; state: SourceState; entries: number; savedAt: string | null; subscriptions: Subscription[] }>;
  updatedAt: string | null;
  lastRun: RunSummary | null;
}

export class Catalog extends DurableObject<Env> implements CatalogApi {
  private readonly sql: Sql;
  private readonly db: CatalogDb;
  /** The publish in progress, so two publishes never race to KV with different revisions. */
  private publishing: Promise<{ written: boolean; bytes: number }> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = new Sql(ctx.storage.sql);
    this.db = new CatalogDb(this.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql);
      backfillRanks(this.db);
      if (this.db.meta('initialized') === null) await this.initialize();
    });
  }

  /** First start: import a v1 deployment's KV data if there is one, else start from the default sources. */
  private async initialize(): Promise<void> {
    const cfg = loadConfig(this.env);
    const imported = await importV1(this.env.MARQUEE_KV, this.ctx.storage, this.db, cfg, new Date());
    if (!imported) DEFAULT_SOURCES.forEach((s, i) => this.db.upsertSource(s, i));
    this.db.setMeta('initialized', new Date().toISOString());
  }

  /** Run `fn` in one transaction and report the rows it read and wrote. */
  private costed<T>(fn: () => T): Costed<T> {
    const before = { ...this.sql.stats };
    const value = this.ctx.storage.transactionSync(fn);
    return { value, sql: { rowsRead: this.sql.stats.rowsRead - before.rowsRead, rowsWritten: this.sql.stats.rowsWritten - before.rowsWritten } };
  }

  async plan(req: { now: string; manual: boolean; only?: string; config: RunConfig }): Promise<Costed<PlanResult>> {
    return this.costed(() => {
      const cfg = req.config;
      const now = new Date(req.now);
      const rows = this.db.sourcesWithState().map((r) => ({ source: r.source, state: currentState(this.db, r.source, cfg, r.state) }));
      const byId = new Map(rows.map((r) => [r.source.id, r]));
      const websubDue = cfg.publicUrl ? this.db.subscriptions().filter((x) => dueAction(x, now, cfg) !== null).length : 0;
      if (req.only && !byId.has(req.only)) {
        return { websubDue, unknownSource: true, sourcesTotal: rows.length, take: [], deferred: [], notDue: {}, onlyReason: null };
      }
      // A source whose hub pushes to us is still polled, but at WEBSUB_POLL_MINUTES at least.
      const pushed = new Set(this.db.subscriptions().filter((x) => isActive(x, now)).map((x) => x.sourceId));
      const states = rows.map((r) => (pushed.has(r.source.id) ? { ...r.state, intervalMinutes: Math.max(r.state.intervalMinutes, cfg.websubPollMinutes) } : r.state));
      // The run keeps part of its budget for due WebSub requests and publish pings (websub.ts).
      const budget = Math.max(1, cfg.subrequestBudget - websubReserve(cfg, websubDue));
      const plan = planRun(states, now, cfg, { manual: req.manual, budget, only: req.only });
      const onlyReason = req.only && !plan.take.length ? (Object.keys(plan.notDue)[0] as NotDueReason | undefined) ?? null : null;
      return {
        websubDue,
        unknownSource: false,
        sourcesTotal: rows.length,
        take: plan.take.map((id) => byId.get(id)!),
        deferred: plan.deferred.map((id) => byId.get(id)!),
        notDue: plan.notDue,
        onlyReason,
      };
    });
  }

  async markQueued(req: { ids: string[]; now: string; config: RunConfig }): Promise<Costed<null>> {
    return this.costed(() => {
      const now = new Date(req.now);
      this.transition(req.ids, now, req.config, (s) => onQueued(s, now, req.config));
      return null;
    });
  }

  /** Apply a transition to the current state of each of these sources, saving the ones that changed. */
  private transition(ids: string[], now: Date, cfg: RunConfig, fn: (s: SourceState) => { state: SourceState; hard: boolean }): SourceState[] {
    const out: SourceState[] = [];
    for (const id of ids) {
      const source = this.db.source(id);
      if (!source) continue;
      const t = fn(currentState(this.db, source, cfg));
      if (t.hard) this.db.saveState(t.state, now);
      out.push(t.state);
    }
    return out;
  }

  async commit(req: CommitInput & { config: RunConfig }): Promise<Costed<CommitReport>> {
    const result = this.costed(() => commit(this.db, req.config, req));
    // A run that dies before `finish` still gets its changes published.
    if (result.value.changed) await this.schedulePublish(30_000);
    return result;
  }

  async finish(req: { summary: RunSummary; deferred: string[]; now: string; config: RunConfig }): Promise<RunSummary> {
    const { value: summary, sql } = this.costed(() => {
      const now = new Date(req.now);
      this.transition(req.deferred, now, req.config, (s) => onDeferred(s, now, req.config));
      return { ...req.summary, entriesStored: this.db.totalEntries(), stories: this.db.storyCount() };
    });
    const published = await this.publish({ config: req.config });
    const done: RunSummary = {
      ...summary,
      sqlRowsRead: summary.sqlRowsRead + sql.rowsRead,
      sqlRowsWritten: summary.sqlRowsWritten + sql.rowsWritten + RUN_ROW_WRITES,
      kvWrites: summary.kvWrites + (published.written ? 1 : 0),
      kvBytesWritten: summary.kvBytesWritten + published.bytes,
    };
    this.costed(() => this.db.addRun(done.startedAt, done, RUNS_KEPT));
    return done;
  }

  async replaceSources(req: { sources: Source[]; now: string; config: RunConfig }): Promise<{ renamed: Array<[string, string]>; removed: string[] }> {
    const { value } = this.costed(() => replaceSources(this.db, req.config, req.sources, new Date(req.now)));
    await this.publish({ config: req.config });
    return value;
  }

  async resume(req: { id: string; now: string; config: RunConfig }): Promise<SourceState | null> {
    const now = new Date(req.now);
    const { value } = this.costed(() => this.transition([req.id], now, req.config, (s) => onResume(s, now))[0] ?? null);
    return value;
  }

  async sourceList(): Promise<{ sources: Source[]; updatedAt: string | null; rev: number }> {
    // A source without a configured title is shown by its feed's own.
    const sources = this.db.sourcesWithState().map((r) => ({ ...r.source, title: r.source.title ?? r.state?.feedTitle ?? null }));
    return { sources, updatedAt: this.db.meta('sources_updated_at'), rev: revisionOf(this.db).rev };
  }

  async adminSources(req: { config: RunConfig }): Promise<AdminSources> {
    const subs = new Map<string, Subscription[]>();
    for (const x of this.db.subscriptions()) subs.set(x.sourceId, [...(subs.get(x.sourceId) ?? []), x]);
    const rows = this.db.sourcesWithState().map((r) => ({
      source: r.source, state: currentState(this.db, r.source, req.config), entries: r.entries, savedAt: r.savedAt, subscriptions: subs.get(r.source.id) ?? [],
    }));
    return { rows, updatedAt: this.db.meta('sources_updated_at'), lastRun: this.lastRun() };
  }

  async health(req: { config: RunConfig }): Promise<HealthReport> {
    const states = this.db.sourcesWithState().map((r) => currentState(this.db, r.source, req.config));
    const now = new Date();
    const subscriptions: Partial<Record<SubscriptionStatus, number>> = {};
    for (const x of this.db.subscriptions()) subscriptions[statusOf(x, now)] = (subscriptions[statusOf(x, now)] ?? 0) + 1;
    return {
      counts: healthCounts(states),
      overdue: states.filter((s) => s.dueSince).length,
      queued: states.filter((s) => s.queuedAt).length,
      lastRun: this.lastRun(),
      websub: { subscriptions, pendingPings: this.pendingPings().length },
    };
  }

  private lastRun(): (RunSummary & { n: number }) | null {
    const row = this.db.runs(1, null)[0];
    return row ? { ...(row.summary as RunSummary), n: row.n } : null;
  }

  async runs(req: { limit: number; before: number | null }): Promise<Array<{ n: number; summary: RunSummary }>> {
    return this.db.runs(req.limit, req.before) as Array<{ n: number; summary: RunSummary }>;
  }

  async entryPage(q: ListQuery): Promise<PageBundle> {
    return entryPageBundle(this.db, q);
  }

  async storyPage(q: ListQuery): Promise<PageBundle> {
    return storyPageBundle(this.db, q);
  }

  /**
   * Render the default views of the current revision and write them to KV, unless that revision
   * (with this renderer) is what KV already has. One publish at a time: a second caller waits for
   * the first and then publishes whatever is newer.
   */
  async publish(req: { config: RunConfig }): Promise<{ written: boolean; bytes: number }> {
    while (this.publishing) await this.publishing.catch(() => undefined);
    const p = this.publishNow(req.config);
    this.publishing = p;
    try {
      return await p;
    } finally {
      this.publishing = null;
    }
  }

  private async publishNow(cfg: RunConfig): Promise<{ written: boolean; bytes: number }> {
    const { rev, updatedAt } = revisionOf(this.db);
    const mark = `${rev}|${updatedAt}|${RENDER_VERSION}`;
    if (this.db.meta('published') === mark) return { written: false, bytes: 0 };
    const hubs = topicHubs(cfg);
    const formats = renderDefaultViewSet(entryPageBundle(this.db, DEFAULT_QUERY), storyPageBundle(this.db, DEFAULT_QUERY), { base: BASE_PLACEHOLDER, ttlMinutes: cfg.cronIntervalMinutes, hubs });
    try {
      const bytes = await writeViews(this.env.MARQUEE_KV, {
        schema: 2, rev, builtAt: updatedAt, lastModified: new Date(updatedAt).toUTCString(), renderVersion: RENDER_VERSION, formats,
      });
      this.db.setMeta('published', mark);
      if (hubs.length) this.queuePings(formats);
      return { written: true, bytes };
    } catch (err) {
      // KV allows one write per second per key; a refused write is retried by the alarm.
      console.error(JSON.stringify({ publish: 'failed', rev, error: err instanceof Error ? err.message : String(err) }));
      await this.schedulePublish(PUBLISH_RETRY_MS);
      return { written: false, bytes: 0 };
    }
  }

  private async schedulePublish(inMs: number): Promise<void> {
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at > Date.now() + inMs) await this.ctx.storage.setAlarm(Date.now() + inMs);
  }

  override async alarm(): Promise<void> {
    await this.publish({ config: loadConfig(this.env) });
  }

  // ---- WebSub (websub-state.ts has the transitions, websub.ts the network) ----------------

  /** Topics whose published first page changed since they were last pinged. */
  private pendingPings(): string[] {
    return JSON.parse(this.db.meta('websub_pings') ?? '[]') as string[];
  }

  /**
   * After a publish: queue a ping for each feed whose body differs from the one published
   * before (a hash per topic is kept), so a revision that left a feed's first page unchanged
   * pings nothing.
   */
  private queuePings(formats: Record<ViewFormat, string>): void {
    const hashes = JSON.parse(this.db.meta('view_hashes') ?? '{}') as Record<string, string>;
    const pending = new Set(this.pendingPings());
    for (const [fmt, path] of Object.entries(TOPIC_PATHS)) {
      const h = fnv1a(formats[fmt as ViewFormat]).toString(36);
      if (hashes[path] !== h) pending.add(path);
      hashes[path] = h;
    }
    this.db.setMeta('view_hashes', JSON.stringify(hashes));
    this.db.setMeta('websub_pings', JSON.stringify([...pending].sort()));
  }

  async websubWork(req: { now: string; config: RunConfig; maxRequests: number }): Promise<{ pings: string[]; requests: SubscriptionRequest[] }> {
    const { value } = this.costed(() => {
      const now = new Date(req.now);
      const requests: SubscriptionRequest[] = [];
      for (const x of this.db.subscriptions()) {
        const action = dueAction(x, now, req.config);
        if (action === 'delete') this.db.deleteSubscription(x.token);
        else if (action && requests.length < req.maxRequests) {
          this.db.saveSubscription(onRequested(x, now));
          requests.push({ token: x.token, mode: action, hub: x.hub, topic: x.topic, secret: x.secret });
        }
      }
      return { pings: topicHubs(req.config).length ? this.pendingPings() : [], requests };
    });
    return value;
  }

  async websubSettle(req: { now: string; config: RunConfig; pingsSent: string[]; failures: Array<{ token: string; code: string; message: string }>; unsent: string[] }): Promise<null> {
    this.costed(() => {
      const now = new Date(req.now);
      const sent = new Set(req.pingsSent);
      this.db.setMeta('websub_pings', JSON.stringify(this.pendingPings().filter((p) => !sent.has(p))));
      for (const f of req.failures) {
        const x = this.db.subscription(f.token);
        if (x) this.db.saveSubscription(onRequestFailed(x, f, now, req.config));
      }
      for (const token of req.unsent) {
        const x = this.db.subscription(token);
        if (x) this.db.saveSubscription({ ...x, requestedAt: null });
      }
      return null;
    });
    return null;
  }

  async websubLookup(req: { token: string; now: string }): Promise<{ source: Source | null; secret: string; topic: string; active: boolean } | null> {
    const x = this.db.subscription(req.token);
    if (!x) return null;
    return { source: this.db.source(x.sourceId), secret: x.secret, topic: x.topic, active: isActive(x, new Date(req.now)) };
  }

  async websubVerify(req: { token: string; now: string; config: RunConfig; verify: VerifyRequest }): Promise<'confirm' | 'noted' | 'refuse'> {
    const { value } = this.costed(() => {
      const x = this.db.subscription(req.token);
      const r = x ? onVerify(x, req.verify, new Date(req.now), { defaultLeaseSeconds: req.config.websubLeaseSeconds }) : null;
      if (!x || !r) return 'refuse' as const;
      if (r.next) this.db.saveSubscription(r.next);
      else this.db.deleteSubscription(x.token);
      return r.confirm ? ('confirm' as const) : ('noted' as const);
    });
    return value;
  }

  async websubRecord(req: { token: string; now: string; event: 'pushed' | 'rejected' }): Promise<null> {
    this.costed(() => {
      const x = this.db.subscription(req.token);
      if (x) this.db.saveSubscription(req.event === 'pushed' ? onPushed(x, new Date(req.now)) : onRejected(x, new Date(req.now)));
      return null;
    });
    return null;
  }
}

/** Requests a run keeps out of its fetch budget for WebSub: the due subscription requests and one ping per hub and topic, at most a fifth of the budget. */
function websubReserve(cfg: RunConfig, due: number): number {
  if (!cfg.publicUrl) return 0;
  const pings = topicHubs(cfg).length * Object.keys(TOPIC_PATHS).length;
  return Math.min(Math.floor(cfg.subrequestBudget / 5), due + pings);
}

/** Rank keys of stories stored before ranking existed (schema migration 3), once. */
function backfillRanks(db: CatalogDb): void {
  for (let batch = db.storiesWithoutRank(1000); batch.length; batch = db.storiesWithoutRank(1000)) {
    for (const s of batch) db.setRank(s.id, rankKey(s.updated, s.outlets, s.momentum));
  }
}

/** The stub of the one catalog object, as the Worker calls it. */
export function catalogOf(env: Pick<Env, 'CATALOG'>): CatalogApi {
  const ns = env.CATALOG;
  return ns.get(ns.idFromName('main')) as unknown as CatalogApi;
}
