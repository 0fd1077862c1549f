/**
 * HTTP routes (hono). The public API is a contract other sites, feed readers
 * and the evaluation tools depend on:
 *
 *   GET  /                 HTML page of the current stories (?source, ?category)
 *   GET  /feed.xml         RSS 2.0 of the combined, deduped entries, newest first
 *   GET  /feed.atom        Atom 1.0, same entries
 *   GET  /feed.json        JSON Feed 1.1, same entries, with the `_marquee` extension
 *   GET  /stories.json     related-story groups, newest first
 *   GET  /sources.opml     OPML 2.0 of the source list
 *   GET  /healthz          liveness plus "n healthy, n failing, n paused"
 *   GET  /admin/sources    sources with their health: last fetch, status, last success,
 *                          failures, next due, last error, validators, entries (Bearer token)
 *   PUT  /admin/sources    replace the source list (JSON or OPML)  (Bearer token)
 *   POST /admin/sources/:id/resume   un-pause a paused source      (Bearer token)
 *   POST /admin/refresh    run the ingest now (?source=<id>)       (Bearer token)
 *
 * List endpoints share the query parameters in query.ts (source, category, q,
 * story, since, until, limit, dedupe, cursor) and page with `next_url` (JSON)
 * or `<atom:link rel="next">` (XML). Bad input gets a 4xx with
 * `{error: {code, message}}`, never a 500.
 *
 * Serving cost: the unfiltered first pages come pre-rendered from one KV
 * record (`views:v1`) that each isolate keeps in memory for VIEW_MEMO_SECONDS,
 * so most requests cost no KV read at all and never more than one. Filtered
 * views read the catalog (also memoized), render, and go into the Cache API
 * under a key that includes the catalog revision.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { loadConfig, type Config, type Env } from './config';
import { describeSource, freshState, healthCounts, withDefaults } from './health';
import type { Source } from './model';
import { QueryError, isDefaultQuery, parseListQuery, selectEntries, selectStories, type ListQuery } from './query';
import { refresh, UnknownSourceError } from './refresh';
import { notDueReason } from './schedule';
import { EMPTY_CATALOG, bodyKeysOf, indexCatalog, renderEntryPage, renderHomePage, renderStoryPage, type CatalogIndex, type FeedFormat } from './render/index';
import { renderOpml } from './render/opml';
import { DEFAULT_SOURCES, SourceListError, sourcesFromJson, sourcesFromOpml } from './sources';
import { BASE_PLACEHOLDER, Store, type HealthRecord, type ViewsRecord } from './store';

type AppEnv = { Bindings: Env; Variables: { config: Config; store: Store } };

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/feed+json; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  stories: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

const MAX_ADMIN_BODY = 2 * 1024 * 1024;

// ---- per-isolate memo of the KV records the read path uses ------------------

interface Memo<T> {
  value: T;
  at: number;
}
let viewsMemo: Memo<ViewsRecord | null> | null = null;
let catalogMemo: Memo<CatalogIndex> | null = null;
const baseMemo = new Map<string, string>();

/** Forget memoized records (after a refresh in this isolate, and between tests). */
export function resetMemo(): void {
  viewsMemo = null;
  catalogMemo = null;
  baseMemo.clear();
}

async function getViews(store: Store, cfg: Config): Promise<ViewsRecord | null> {
  const now = Date.now();
  if (viewsMemo && now - viewsMemo.at < cfg.viewMemoSeconds * 1000) return viewsMemo.value;
  const v = await store.getViews();
  viewsMemo = { value: v, at: now };
  baseMemo.clear();
  return v;
}

async function getCatalogIndex(store: Store, cfg: Config): Promise<CatalogIndex> {
  const now = Date.now();
  if (catalogMemo && now - catalogMemo.at < cfg.viewMemoSeconds * 1000) return catalogMemo.value;
  const rec = (await store.getCatalog()) ?? EMPTY_CATALOG;
  const idx = catalogMemo && catalogMemo.value.rev === rec.rev ? catalogMemo.value : indexCatalog(rec);
  catalogMemo = { value: idx, at: now };
  return idx;
}

/** A pre-rendered body with this request's origin in place of the placeholder (memoized per origin). */
function withBase(views: ViewsRecord, fmt: string, base: string): string {
  const key = `${views.rev}|${fmt}|${base}`;
  let body = baseMemo.get(key);
  if (body === undefined) {
    body = views.formats[fmt].split(BASE_PLACEHOLDER).join(base);
    baseMemo.set(key, body);
  }
  return body;
}

// ---- helpers ----------------------------------------------------------------

function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

function jsonError(status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 500 | 503, code: string, message: string, extra: Record<string, unknown> = {}) {
  return new HTTPException(status, {
    res: new Response(JSON.stringify(errorBody(code, message, extra)), {
      status,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    }),
  });
}

function baseOf(c: Context<AppEnv>): string {
  return c.var.config.publicUrl ?? new URL(c.req.url).origin;
}

function parseQueryOr400(c: Context<AppEnv>): ListQuery {
  try {
    return parseListQuery(new URL(c.req.url).searchParams);
  } catch (err) {
    if (err instanceof QueryError) throw jsonError(400, 'INVALID_QUERY', err.message, { param: err.param });
    throw err;
  }
}

function cacheControl(cfg: Config): string {
  const period = cfg.cronIntervalMinutes * 60;
  return `public, max-age=${Math.max(60, Math.round(period / 3))}, stale-while-revalidate=${period}`;
}

/** 304 when the client already has this version (If-None-Match wins over If-Modified-Since, RFC 9110 §13.2.2). */
function notModified(c: Context<AppEnv>, etag: string, lastModified: string | null): boolean {
  const inm = c.req.header('if-none-match');
  if (inm) return inm.split(',').some((t) => t.trim() === etag || t.trim() === '*' || t.trim() === `W/${etag}`);
  const ims = c.req.header('if-modified-since');
  if (ims && lastModified) {
    const a = Date.parse(ims);
    const b = Date.parse(lastModified);
    return !Number.isNaN(a) && !Number.isNaN(b) && b <= a;
  }
  return false;
}

function respond(c: Context<AppEnv>, body: string, fmt: string, etag: string, lastModified: string | null): Response {
  const headers: Record<string, string> = {
    'Content-Type': CONTENT_TYPES[fmt],
    ETag: etag,
    'Cache-Control': cacheControl(c.var.config),
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'ETag, Last-Modified',
    Vary: 'Accept-Encoding',
  };
  if (lastModified) headers['Last-Modified'] = lastModified;
  if (notModified(c, etag, lastModified)) return new Response(null, { status: 304, headers });
  return new Response(c.req.method === 'HEAD' ? null : body, { status: 200, headers });
}

async function loadBodies(store: Store, keys: string[]): Promise<Map<string, [string, string]>> {
  const out = new Map<string, [string, string]>();
  for (const key of keys) {
    const rec = await store.getBodies(key);
    for (const [id, pair] of Object.entries(rec?.bodies ?? {})) out.set(id, pair);
  }
  return out;
}

/**
 * A filtered view: computed from the catalog and kept in the Cache API under the request URL
 * plus the catalog revision, so a new revision is a cache miss and nothing needs purging.
 */
async function filteredView(c: Context<AppEnv>, fmt: string, q: ListQuery, render: (idx: CatalogIndex) => Promise<string>): Promise<Response> {
  const { store, config } = c.var;
  const idx = await getCatalogIndex(store, config);
  const url = new URL(c.req.url);
  const etag = `"r${idx.rev}-${fmt}-${(await digest(`${url.pathname}${url.search}|${baseOf(c)}`)).slice(0, 12)}"`;
  const lastModified = idx.rev ? new Date(idx.updatedAt).toUTCString() : null;
  if (notModified(c, etag, lastModified)) return respond(c, '', fmt, etag, lastModified);
  const cache = typeof caches !== 'undefined' ? caches.default : null;
  const cacheKey = new Request(`${url.origin}${url.pathname}?${url.searchParams.toString()}&__rev=${idx.rev}`, { method: 'GET' });
  const hit = cache ? await cache.match(cacheKey) : undefined;
  if (hit) return respond(c, await hit.text(), fmt, etag, lastModified);
  const body = await render(idx);
  if (cache) {
    c.executionCtx.waitUntil(cache.put(cacheKey, new Response(body, { headers: { 'Content-Type': CONTENT_TYPES[fmt], 'Cache-Control': cacheControl(config) } })));
  }
  return respond(c, body, fmt, etag, lastModified);
}

async function digest(s: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(s));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function defaultView(c: Context<AppEnv>, fmt: string, fallback: () => Promise<Response>): Promise<Response> {
  const views = await getViews(c.var.store, c.var.config);
  if (!views || !views.formats[fmt]) return fallback();
  return respond(c, withBase(views, fmt, baseOf(c)), fmt, `"v${views.rev}-${fmt}"`, views.lastModified);
}

// ---- the app ------------------------------------------------------------------

export function createApp() {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    let config: Config;
    try {
      config = loadConfig(c.env);
    } catch (err) {
      throw jsonError(500, 'BAD_CONFIG', err instanceof Error ? err.message : String(err));
    }
    c.set('config', config);
    c.set('store', new Store(c.env.MARQUEE_KV));
    await next();
  });

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    console.error('unhandled', err);
    return c.json(errorBody('INTERNAL', 'internal error; the request changed nothing'), 500);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));

  // ---- public read endpoints ----
  const feed = (fmt: FeedFormat) => async (c: Context<AppEnv>) => {
    const q = parseQueryOr400(c);
    const render = async (idx: CatalogIndex) => {
      const page = selectEntries(idx.entries, q, idx.sources);
      const bodies = await loadBodies(c.var.store, bodyKeysOf(page.entries));
      return renderEntryPage(fmt, idx, page, q, bodies, { base: baseOf(c), ttlMinutes: c.var.config.cronIntervalMinutes });
    };
    if (isDefaultQuery(q)) return defaultView(c, fmt, () => filteredView(c, fmt, q, render));
    return filteredView(c, fmt, q, render);
  };
  app.get('/feed.json', feed('json'));
  app.get('/feed.xml', feed('rss'));
  app.get('/feed.atom', feed('atom'));

  app.get('/stories.json', async (c) => {
    const q = parseQueryOr400(c);
    const render = async (idx: CatalogIndex) => renderStoryPage(idx, selectStories(idx.entries, q, idx.sources), q, { base: baseOf(c), ttlMinutes: c.var.config.cronIntervalMinutes });
    if (isDefaultQuery(q)) return defaultView(c, 'stories', () => filteredView(c, 'stories', q, render));
    return filteredView(c, 'stories', q, render);
  });

  app.get('/', async (c) => {
    const q = parseQueryOr400(c);
    const render = async (idx: CatalogIndex) => renderHomePage(idx, selectStories(idx.entries, q, idx.sources), q, { base: baseOf(c), ttlMinutes: c.var.config.cronIntervalMinutes });
    if (isDefaultQuery(q)) return defaultView(c, 'html', () => filteredView(c, 'html', q, render));
    return filteredView(c, 'html', q, render);
  });

  app.get('/sources.opml', async (c) => {
    const rec = await c.var.store.getSources();
    const body = renderOpml(rec?.sources ?? DEFAULT_SOURCES, baseOf(c), rec?.updatedAt ?? new Date(0).toISOString());
    return new Response(c.req.method === 'HEAD' ? null : body, {
      headers: { 'Content-Type': 'text/x-opml; charset=utf-8', 'Access-Control-Allow-Origin': '*', 'Cache-Control': cacheControl(c.var.config) },
    });
  });

  app.get('/healthz', async (c) => {
    const { store, config } = c.var;
    const [health, rec] = await Promise.all([store.getHealth(), store.getSources()]);
    // Count the configured sources (a source not fetched yet has no health record).
    const states = (rec?.sources ?? DEFAULT_SOURCES).map((s) => stateFor(s, health, config));
    const counts = healthCounts(states);
    const overdue = states.filter((s) => s.dueSince).length;
    const queued = states.filter((s) => s.queuedAt).length;
    return c.json({
      ok: true,
      summary: `${counts.healthy} healthy, ${counts.failing} failing, ${counts.paused} paused${counts.new ? `, ${counts.new} not fetched yet` : ''}`,
      sources: { ...counts, overdue, queued },
      last_run: health?.lastRun ? {
        finished_at: health.lastRun.finishedAt, trigger: health.lastRun.trigger, new_entries: health.lastRun.newEntries,
        failed: health.lastRun.failed, deferred: health.lastRun.sourcesDeferred, deadline_hit: health.lastRun.deadlineHit,
      } : null,
    }, 200, { 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' });
  });

  // ---- admin ----
  app.use('/admin/*', async (c, next) => {
    const token = c.var.config.adminToken;
    if (!token) throw jsonError(403, 'ADMIN_DISABLED', 'admin routes are disabled: no ADMIN_TOKEN is configured');
    const auth = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (!m || !(await sameSecret(m[1], token))) {
      const res = jsonError(401, 'UNAUTHORIZED', m ? 'wrong admin token' : 'missing "Authorization: Bearer <token>" header').getResponse();
      res.headers.set('WWW-Authenticate', 'Bearer realm="marquee-admin"');
      throw new HTTPException(401, { res });
    }
    await next();
    c.header('Cache-Control', 'no-store');
  });

  app.get('/admin/sources', async (c) => {
    const { store, config } = c.var;
    const rec = await store.getSources();
    const sources = rec?.sources ?? DEFAULT_SOURCES;
    const health: HealthRecord | null = await store.getHealth();
    const idx = await getCatalogIndex(store, config);
    const counts = new Map<string, number>();
    for (const e of idx.entries) counts.set(e.sourceId, (counts.get(e.sourceId) ?? 0) + 1);
    const now = new Date();
    const states = sources.map((s) => stateFor(s, health, config));
    return c.json({
      sources: sources.map((s, i) => describeSource(s, states[i], counts.get(s.id) ?? 0, now, config)),
      summary: healthCounts(states),
      list_updated_at: rec?.updatedAt ?? null,
      using_defaults: !rec,
      // Fetch timestamps of unchanged sources are persisted with the next write or heartbeat,
      // so last_fetch_at can be older than the real last fetch by up to this much.
      health_saved_at: health?.savedAt ?? null,
      heartbeat_minutes: config.healthHeartbeatMinutes,
      pending_fanout_batches: health?.pendingBatches?.length ?? 0,
      last_run: health?.lastRun ?? null,
    });
  });

  app.put('/admin/sources', async (c) => {
    const { store, config } = c.var;
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const len = Number(c.req.header('content-length') ?? 0);
    if (len > MAX_ADMIN_BODY) throw jsonError(413, 'TOO_LARGE', `source lists are limited to ${MAX_ADMIN_BODY} bytes`);
    const text = await c.req.text();
    if (text.length > MAX_ADMIN_BODY) throw jsonError(413, 'TOO_LARGE', `source lists are limited to ${MAX_ADMIN_BODY} bytes`);
    let sources: Source[];
    try {
      if (type === 'application/json' || type === '') {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (err) {
          throw jsonError(400, 'INVALID_JSON', `body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
        }
        sources = sourcesFromJson(body, config.allowPrivateSources);
      } else if (['text/x-opml', 'application/xml', 'text/xml', 'application/x-opml', 'text/x-opml+xml'].includes(type)) {
        sources = sourcesFromOpml(text, config.allowPrivateSources);
      } else {
        throw jsonError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json (see schemas/sources.schema.json) or text/x-opml');
      }
    } catch (err) {
      if (err instanceof SourceListError) throw jsonError(400, err.code, err.message, { problems: err.problems });
      throw err;
    }
    await store.putSources(sources, new Date());
    return c.json({ ok: true, sources: sources.length, ids: sources.map((s) => s.id) });
  });

  app.post('/admin/sources/:id/resume', async (c) => {
    const { store, config } = c.var;
    const id = c.req.param('id');
    const health = await store.getHealth();
    const st = health?.sources[id];
    if (!health || !st) throw jsonError(404, 'UNKNOWN_SOURCE', `no health record for source "${id}"`);
    const now = new Date();
    // Counters reset, and due at the next run (first in line) rather than at its next slot.
    health.sources[id] = { ...withDefaults(st), paused: false, consecutiveFailures: 0, firstFailureAt: null, notBefore: null, dueSince: now.toISOString() };
    await store.putHealth({ savedAt: now.toISOString(), sources: health.sources, lastRun: health.lastRun, pendingBatches: health.pendingBatches ?? [] });
    return c.json({ ok: true, id, status: 'resumed', interval_minutes: health.sources[id].intervalMinutes, cron_interval_minutes: config.cronIntervalMinutes });
  });

  // Counts every active source as due whatever its interval, but conditional requests,
  // Retry-After and failure backoff still apply, and so does the subrequest budget.
  app.post('/admin/refresh', async (c) => {
    const { store, config } = c.var;
    const only = c.req.query('source') || undefined;
    const now = new Date();
    try {
      const summary = await refresh({ store, fetch: (input, init) => fetch(input, init), config, clock: () => Date.now() }, now, { trigger: 'manual', only });
      resetMemo();
      if (only && summary.sourcesFetched === 0) {
        // Say why the one source asked for was not fetched (paused, backoff, Retry-After, queued).
        const health = await store.getHealth();
        const st = health?.sources[only];
        const reason = st ? notDueReason(withDefaults(st), now, config, true) : null;
        return c.json({ ...summary, skipped: { source: only, reason: reason ?? (summary.sourcesDeferred ? (summary.deadlineHit ? 'deadline' : 'budget') : null), not_before: st?.notBefore ?? null } });
      }
      return c.json(summary);
    } catch (err) {
      if (err instanceof UnknownSourceError) throw jsonError(404, 'UNKNOWN_SOURCE', err.message);
      throw err;
    }
  });

  return app;
}

/** A source's polling state as last recorded, or a fresh one when it has none (or its URL changed). */
function stateFor(source: Source, health: HealthRecord | null, cfg: Config) {
  const st = health?.sources[source.id];
  return st && st.configuredUrl === source.url ? withDefaults(st) : freshState(source, cfg);
}

/** Compare secrets without leaking their length or content through timing. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < da.length; i++) diff |= da.charCodeAt(i) ^ db.charCodeAt(i);
  return diff === 0;
}
