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
 * RPC surface (called through the stub by refresh.ts, serve.ts and app.ts):
 *   plan / markQueued / commit / finish   one ingest run
 *   replaceSources / resume               admin transitions
 *   sourceList / adminSources / health / runs / entryPage / storyPage   reads
 *   publish / alarm                       views to KV (alarm retries a failed write)
 */
import { DurableObject } from 'cloudflare:workers';
import { commit, currentState, replaceSources, type CommitInput, type CommitReport } from '../commit';
import { loadConfig, type Env, type RunConfig } from '../config';
import { healthCounts, onDeferred, onQueued, onResume, type HealthStatus } from '../health';
import type { RunSummary, Source, SourceState } from '../model';
import type { ListQuery } from '../query';
import { DEFAULT_QUERY, RENDER_VERSION, renderDefaultViewSet } from '../render/index';
import { planRun, type NotDueReason } from '../schedule';
import { DEFAULT_SOURCES } from '../sources';
import { CatalogDb } from './db';
import { entryPageBundle, revisionOf, storyPageBundle, type PageBundle } from './pages';
import { migrate } from './schema';
import { Sql, type SqlStats } from './sql';
import { importV1 } from './v1';
import { BASE_PLACEHOLDER, writeViews } from './views';

/** Run summaries kept for GET /admin/runs. */
export const RUNS_KEPT = 200;
/** A failed KV write of the views is retried this much later, by the object's alarm. */
const PUBLISH_RETRY_MS = 5_000;

export interface PlannedSource {
  source: Source;
  state: SourceState;
}

export interface PlanResult {
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
  health(req: { config: RunConfig }): Promise<{ counts: Record<HealthStatus, number>; overdue: number; queued: number; lastRun: RunSummary | null }>;
  runs(req: { limit: number; before: number | null }): Promise<Array<{ n: number; summary: RunSummary }>>;
  entryPage(q: ListQuery): Promise<PageBundle>;
  storyPage(q: ListQuery): Promise<PageBundle>;
  publish(req: { config: RunConfig }): Promise<{ written: boolean; bytes: number }>;
}

export interface AdminSources {
  rows: Array<{ source: Source; state: SourceState; entries: number; savedAt: string | null }>;
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
      if (req.only && !byId.has(req.only)) {
        return { unknownSource: true, sourcesTotal: rows.length, take: [], deferred: [], notDue: {}, onlyReason: null };
      }
      const plan = planRun(rows.map((r) => r.state), now, cfg, { manual: req.manual, budget: cfg.subrequestBudget, only: req.only });
      const onlyReason = req.only && !plan.take.length ? (Object.keys(plan.notDue)[0] as NotDueReason | undefined) ?? null : null;
      return {
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
      this.transition(req.ids, req.config, (s) => onQueued(s, new Date(req.now), req.config));
      return null;
    });
  }

  /** Apply a transition to the current state of each of these sources, saving the ones that changed. */
  private transition(ids: string[], cfg: RunConfig, fn: (s: SourceState) => { state: SourceState; hard: boolean }): SourceState[] {
    const out: SourceState[] = [];
    for (const id of ids) {
      const source = this.db.source(id);
      if (!source) continue;
      const t = fn(currentState(this.db, source, cfg));
      if (t.hard) this.db.saveState(t.state, new Date());
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
      this.transition(req.deferred, req.config, (s) => onDeferred(s, now, req.config));
      return { ...req.summary, entriesStored: this.db.totalEntries(), stories: this.db.storyCount() };
    });
    const published = await this.publish({ config: req.config });
    const done: RunSummary = {
      ...summary,
      sqlRowsRead: summary.sqlRowsRead + sql.rowsRead,
      sqlRowsWritten: summary.sqlRowsWritten + sql.rowsWritten + 2,
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
    const { value } = this.costed(() => this.transition([req.id], req.config, (s) => onResume(s, new Date(req.now)))[0] ?? null);
    return value;
  }

  async sourceList(): Promise<{ sources: Source[]; updatedAt: string | null; rev: number }> {
    const snapshots = this.db.snapshots();
    // Sources without a configured title show the feed's own (item 7 of issue 11).
    const sources = this.db.sources().map((s) => ({ ...s, title: s.title ?? (snapshots[s.id]?.title !== s.id ? snapshots[s.id]?.title ?? null : null) }));
    return { sources, updatedAt: this.db.meta('sources_updated_at'), rev: revisionOf(this.db).rev };
  }

  async adminSources(req: { config: RunConfig }): Promise<AdminSources> {
    const rows = this.db.sourcesWithState().map((r) => ({ source: r.source, state: currentState(this.db, r.source, req.config), entries: r.entries, savedAt: r.savedAt }));
    return { rows, updatedAt: this.db.meta('sources_updated_at'), lastRun: this.lastRun() };
  }

  async health(req: { config: RunConfig }) {
    const states = this.db.sourcesWithState().map((r) => currentState(this.db, r.source, req.config));
    return {
      counts: healthCounts(states),
      overdue: states.filter((s) => s.dueSince).length,
      queued: states.filter((s) => s.queuedAt).length,
      lastRun: this.lastRun(),
    };
  }

  private lastRun(): RunSummary | null {
    return (this.db.runs(1, null)[0]?.summary as RunSummary | undefined) ?? null;
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
    const formats = renderDefaultViewSet(entryPageBundle(this.db, DEFAULT_QUERY), storyPageBundle(this.db, DEFAULT_QUERY), { base: BASE_PLACEHOLDER, ttlMinutes: cfg.cronIntervalMinutes });
    try {
      const bytes = await writeViews(this.env.MARQUEE_KV, {
        schema: 2, rev, builtAt: updatedAt, lastModified: new Date(updatedAt).toUTCString(), renderVersion: RENDER_VERSION, formats,
      });
      this.db.setMeta('published', mark);
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
}

/** The stub of the one catalog object, as the Worker calls it. */
export function catalogOf(env: Pick<Env, 'CATALOG'>): CatalogApi {
  const ns = env.CATALOG;
  return ns.get(ns.idFromName('main')) as unknown as CatalogApi;
}
