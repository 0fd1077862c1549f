/**
 * The orchestrator: one ingest run, reading top to bottom as
 *
 *   plan -> fetch -> parse -> normalize -> merge -> dedupe -> group -> retain -> render -> store
 *
 * and the error policy that goes with it: each source's fetch, parse and
 * normalize run inside their own try, so one bad source only changes its own
 * health record; stored entries are only ever added to or updated, never
 * removed because a fetch failed or a feed came back empty (retention is the
 * only thing that drops entries). Cron and POST /admin/refresh both call `refresh`.
 *
 * Writes, in an order that is safe to interrupt: body parts, catalog, groups,
 * views, health. Health goes last because it holds the validators: if a run
 * dies before it, the next run refetches and merges the same entries again,
 * which is idempotent.
 */
import { applyRetention, mergeEntries, snapshotSources } from './catalog';
import type { Config } from './config';
import { DuplicateIndex, type DedupeState } from './dedupe';
import { FeedError, asFeedError } from './errors';
import { FetchFailure, fetchFeed, type FetchFn } from './fetch';
import { StoryIndex, type GroupState } from './group';
import { sha256Hex } from './hash';
import { freshState, onFailure, onSuccess, type Transition } from './health';
import type { Source, SourceState } from './model';
import { normalizeFeed, type NormalizedEntry } from './normalize/index';
import { parseFeedBody } from './parse/index';
import { EMPTY_CATALOG, RENDER_VERSION, bodyKeysOf, defaultEntryPage, indexCatalog, renderDefaultViewSet } from './render/index';
import { planRun } from './schedule';
import { DEFAULT_SOURCES } from './sources';
import { BASE_PLACEHOLDER, BODY_PART_MAX_BYTES, bodyKey, type CatalogRecord, type RunSummary, type SourceSnapshot, type Store, type StoredEntry } from './store';

export interface RefreshDeps {
  store: Store;
  fetch: FetchFn;
  config: Config;
  /** Wall clock, used only to enforce the deadline and measure duration. */
  clock: () => number;
}

export interface RefreshOptions {
  trigger: 'cron' | 'manual';
  /** Limit the run to one source id. */
  only?: string;
}

export class UnknownSourceError extends Error {}

interface SourceOutcome {
  id: string;
  transition: Transition | null;
  entries: NormalizedEntry[];
  kind: 'parsed' | 'not-modified' | 'unchanged-body' | 'failed' | 'deferred';
  requests: number;
  bytes: number;
  error?: FeedError;
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
    updatedEntries: 0, duplicates: 0, stories: 0, storiesTouched: 0, entriesStored: 0, entriesExpired: 0, subrequests: 0,
    kvReads: 0, kvWrites: 0, bytesFetched: 0, deadlineHit: false, errors: [],
  };
}

/** Fetch, parse and normalize one source. Never throws: failures become the source's outcome. */
async function ingestSource(
  deps: RefreshDeps, source: Source, state: SourceState, now: Date, timeoutMs: number, acquire: () => boolean,
): Promise<SourceOutcome> {
  const cfg = deps.config;
  let requests = 0;
  let bytes = 0;
  try {
    const res = await fetchFeed(deps.fetch, state.url, {
      etag: state.etag, lastModified: state.lastModified, timeoutMs, maxBodyBytes: cfg.maxBodyBytes,
      maxRedirects: cfg.maxRedirects, allowPrivate: cfg.allowPrivateSources, userAgent: cfg.userAgent, now,
      acquireSubrequest: acquire,
    });
    requests = res.requests;
    const base = { status: res.status, etag: res.etag, lastModified: res.lastModified, freshnessSeconds: res.freshnessSeconds, permanentRedirect: res.permanentRedirect };
    if (res.kind === 'not-modified') {
      return { id: source.id, transition: onSuccess(state, base, now, cfg), entries: [], kind: 'not-modified', requests, bytes };
    }
    bytes = res.body.byteLength;
    const bodyHash = await sha256Hex(res.body);
    if (bodyHash === state.bodyHash) {
      return { id: source.id, transition: onSuccess(state, { ...base, unchangedBody: true }, now, cfg), entries: [], kind: 'unchanged-body', requests, bytes };
    }
    const { feed } = parseFeedBody(res.body, res.contentType);
    const entries = normalizeFeed(feed, { source, feedUrl: res.finalUrl, now });
    const transition = onSuccess(state, {
      ...base,
      parsed: {
        bodyHash, ttlMinutes: feed.ttlMinutes, skipHours: feed.skipHours, skipDays: feed.skipDays, title: feed.title ? feed.title.replace(/<[^>]*>/g, '').trim() : null,
        link: feed.link, language: feed.language, items: feed.items.length, changedEntries: 0,
      },
    }, now, cfg);
    return { id: source.id, transition, entries, kind: 'parsed', requests, bytes };
  } catch (err) {
    if (err instanceof FetchFailure) requests = err.requests;
    const fe = asFeedError(err, err instanceof FetchFailure ? 'fetch' : 'parse');
    if (fe.code === 'BUDGET_EXHAUSTED') return { id: source.id, transition: null, entries: [], kind: 'deferred', requests, bytes };
    return { id: source.id, transition: onFailure(state, fe, now, cfg), entries: [], kind: 'failed', requests, bytes, error: fe };
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

  // ---- plan -----------------------------------------------------------------
  const sources = (await store.getSources())?.sources ?? DEFAULT_SOURCES;
  const health = await store.getHealth();
  const prevStates = health?.sources ?? {};
  const states: Record<string, SourceState> = {};
  let healthDirty = false;
  for (const s of sources) {
    const prev = prevStates[s.id];
    if (prev && prev.configuredUrl === s.url) states[s.id] = prev;
    else {
      states[s.id] = freshState(s, cfg);
      healthDirty = true;
    }
  }
  if (Object.keys(prevStates).some((id) => !states[id])) healthDirty = true;
  if (opts.only && !states[opts.only]) throw new UnknownSourceError(`no source with id "${opts.only}"`);
  summary.sourcesTotal = sources.length;
  const plan = planRun(Object.values(states), now, cfg, { manual: opts.trigger === 'manual', budget: cfg.subrequestBudget, only: opts.only });
  summary.sourcesDue = plan.take.length + plan.deferred.length;

  // ---- fetch, parse, normalize (per source, isolated) ------------------------
  const byId = new Map(sources.map((s) => [s.id, s]));
  let subrequests = 0;
  const acquire = () => (subrequests < cfg.subrequestBudget ? (subrequests++, true) : false);
  const outcomes: SourceOutcome[] = [];
  const deferred = new Set(plan.deferred);
  await pool(plan.take, cfg.fetchConcurrency, cfg.fetchPerHost, (id) => hostOf(states[id].url), async (id) => {
    const remaining = fetchDeadline - deps.clock();
    if (remaining <= 0 || subrequests >= cfg.subrequestBudget) {
      if (remaining <= 0) summary.deadlineHit = true;
      deferred.add(id);
      return;
    }
    const outcome = await ingestSource(deps, byId.get(id)!, states[id], now, Math.min(cfg.fetchTimeoutMs, remaining), acquire);
    if (outcome.kind === 'deferred') deferred.add(id);
    outcomes.push(outcome);
  });
  summary.sourcesDeferred = deferred.size;
  summary.subrequests = subrequests;

  const incoming: NormalizedEntry[] = [];
  for (const o of outcomes) {
    summary.bytesFetched += o.bytes;
    if (o.kind === 'deferred') continue;
    summary.sourcesFetched++;
    if (o.kind === 'not-modified') summary.notModified++;
    else if (o.kind === 'unchanged-body') summary.unchangedBody++;
    else if (o.kind === 'parsed') summary.parsed++;
    else if (o.kind === 'failed') {
      summary.failed++;
      summary.errors.push({ sourceId: o.id, code: o.error!.code, message: o.error!.message });
    }
    incoming.push(...o.entries);
  }

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
      const groupState = (groups?.state ?? null) as { dedupe?: DedupeState; group?: GroupState } | null;
      const dupIndex = new DuplicateIndex(entryMap.values(), groupState?.dedupe ?? null);
      const storyIndex = new StoryIndex(entryMap.values(), groupState?.group ?? null, { windowHours: cfg.storyWindowHours, now });
      // Oldest first, so within one batch the earliest version becomes the primary.
      added.sort((a, b) => Date.parse(a.published) - Date.parse(b.published) || (a.id < b.id ? -1 : 1));
      const touched = new Set<string>();
      for (const e of added) {
        const dup = dupIndex.match(e, (id) => entryMap.get(id)?.sourceId);
        if (dup) {
          const primary = entryMap.get(dup.primaryId)!;
          e.dupOf = primary.id;
          e.storyId = primary.storyId;
          summary.duplicates++;
        } else {
          const placed = storyIndex.place(e);
          e.storyId = placed.storyId;
          if (placed.merged.length) {
            const gone = new Set(placed.merged);
            for (const other of entryMap.values()) if (gone.has(other.storyId)) other.storyId = placed.storyId;
          }
        }
        touched.add(e.storyId);
        dupIndex.add(e);
        entryMap.set(e.id, stripBodies(e));
      }
      for (const e of updated) entryMap.set(e.id, stripBodies(e));
      summary.storiesTouched = touched.size;

      // ---- bodies: append the new HTML to this hour's newest part ---------------
      const withHtml = [...added, ...updated].filter((e) => e.summaryHtml || e.contentHtml);
      const parts = { ...catalog.bodyParts };
      const newBodies = new Map<string, [string, string]>();
      if (withHtml.length) {
        const hourPrefix = bodyKey(now, 0).slice(0, -2);
        let part = Math.max(0, ...Object.keys(parts).filter((k) => k.startsWith(hourPrefix)).map((k) => Number(k.slice(hourPrefix.length + 1))));
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
      }

      const { kept, expired } = applyRetention([...entryMap.values()], now, cfg.retentionDays, cfg.retentionMaxEntries);
      summary.entriesExpired = expired.length;
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
      await store.putGroups({ rev: catalog.rev, state: { dedupe: dupIndex.state(), group: storyIndex.state() } });
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
  const heartbeatDue = outcomes.length > 0 && (!health || now.getTime() - Date.parse(health.savedAt) >= cfg.healthHeartbeatMinutes * 60_000);
  const idx = catalog ? catalog.entries : null;
  summary.entriesStored = idx ? idx.length : 0;
  summary.stories = idx ? new Set(idx.filter((e) => !e.dupOf).map((e) => e.storyId)).size : 0;
  summary.finishedAt = new Date(now.getTime() + (deps.clock() - started)).toISOString();
  summary.durationMs = Math.round(deps.clock() - started);
  if (healthDirty || heartbeatDue || catalogChanged) {
    summary.kvReads = store.stats.reads - readsBefore;
    summary.kvWrites = store.stats.writes - writesBefore + 1;
    await store.putHealth({ savedAt: now.toISOString(), sources: states, lastRun: summary });
  } else {
    summary.kvReads = store.stats.reads - readsBefore;
    summary.kvWrites = store.stats.writes - writesBefore;
  }
  return summary;
}

function stripBodies(e: NormalizedEntry): StoredEntry {
  const { summaryHtml: _s, contentHtml: _c, fullText: _f, ...rest } = e;
  return rest;
}

/** Pre-render the unfiltered first pages. Bodies not produced by this run are read from their parts. */
async function renderDefaultViews(store: Store, catalog: CatalogRecord, fresh: Map<string, [string, string]>, cfg: Config): Promise<void> {
  const idx = indexCatalog(catalog);
  const bodies = new Map(fresh);
  const missing = defaultEntryPage(idx).entries.filter((e) => e.bodyKey && !bodies.has(e.id));
  for (const key of bodyKeysOf(missing)) {
    const rec = await store.getBodies(key);
    for (const [id, pair] of Object.entries(rec?.bodies ?? {})) bodies.set(id, pair);
  }
  await store.putViews({
    rev: catalog.rev,
    builtAt: catalog.updatedAt,
    lastModified: new Date(catalog.updatedAt).toUTCString(),
    renderVersion: RENDER_VERSION,
    formats: renderDefaultViewSet(idx, bodies, { base: BASE_PLACEHOLDER, ttlMinutes: cfg.cronIntervalMinutes }),
  });
}
