/**
 * HTTP routes (hono). The public API is a contract other sites, feed readers
 * and the evaluation tools depend on:
 *
 *   GET  /                 HTML page of the current stories (?source, ?category, ?q)
 *   GET  /feed.xml         RSS 2.0 of the combined, deduped entries, newest first
 *   GET  /feed.atom        Atom 1.0, same entries
 *   GET  /feed.json        JSON Feed 1.1, same entries, with the `_marquee` extension
 *   GET  /stories.json     related-story groups, newest first
 *   GET  /sources.opml     OPML 2.0 of the source list
 *   OPTIONS <any of the above>   CORS preflight (204)
 *   GET  /healthz          liveness plus "n healthy, n failing, n paused"
 *   GET  /__floor[.html]   benchmark floor: a constant string, only on loopback hosts (else 404)
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
 * The public read endpoints answer GET and HEAD (hono runs the GET handler and
 * drops the body), with `Access-Control-Allow-Origin: *`, strong ETags,
 * Last-Modified and Cache-Control; how a view is found or rendered, and what
 * it costs, is serve.ts's business. /admin/* never carries CORS headers.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { loadConfig, type Config, type Env } from './config';
import { sha256Hex } from './hash';
import { describeSource, freshState, healthCounts, withDefaults } from './health';
import type { Source } from './model';
import { QueryError, isDefaultQuery, parseListQuery, selectEntries, selectStories, type ListQuery } from './query';
import { refresh, UnknownSourceError } from './refresh';
import { notDueReason } from './schedule';
import { bodyKeysOf, renderEntryPage, renderHomePage, renderStoryPage, type CatalogIndex, type FeedFormat } from './render/index';
import { renderOpml } from './render/opml';
import { renderErrorPage } from './render/page';
import { CORS_HEADERS, PREFLIGHT_HEADERS, documentEtag, getCatalogIndex, resetServeMemo, serveDocument, serveView, type ServeRequest } from './serve';
import { DEFAULT_SOURCES, SourceListError, sourcesFromJson, sourcesFromOpml } from './sources';
import { Store, type HealthRecord } from './store';

type AppEnv = { Bindings: Env; Variables: { config: Config; store: Store } };

const MAX_ADMIN_BODY = 2 * 1024 * 1024;

/** Paths of the public read endpoints: GET/HEAD/OPTIONS with CORS, other methods 405. */
const PUBLIC_PATHS = ['/', '/feed.json', '/feed.xml', '/feed.atom', '/stories.json', '/sources.opml'];

/** Forget memoized records (after a refresh in this isolate, and between tests). */
export function resetMemo(): void {
  resetServeMemo();
}

/** Config parsed once per `env` object (an isolate reuses it across requests). */
const configs = new WeakMap<object, Config>();

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

/** A 400 for a bad list query, naming the parameter: JSON for the API, a small page for `/`. */
function queryError(err: QueryError, html: boolean): HTTPException {
  const headers = { ...CORS_HEADERS, 'Cache-Control': 'no-store' };
  const res = html
    ? new Response(renderErrorPage(`Invalid ${err.param}`, err.message), { status: 400, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' } })
    : new Response(JSON.stringify(errorBody('INVALID_QUERY', err.message, { param: err.param })), { status: 400, headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' } });
  return new HTTPException(400, { res });
}

function parseQueryOr400(url: URL, html = false): ListQuery {
  try {
    return parseListQuery(url.searchParams);
  } catch (err) {
    if (err instanceof QueryError) throw queryError(err, html);
    throw err;
  }
}

function serveRequest(c: Context<AppEnv>, url: URL): ServeRequest {
  let waitUntil: (p: Promise<unknown>) => void;
  try {
    const ctx = c.executionCtx;
    waitUntil = (p) => ctx.waitUntil(p);
  } catch {
    waitUntil = (p) => void p.catch(() => undefined);
  }
  return {
    store: c.var.store,
    config: c.var.config,
    base: c.var.config.publicUrl ?? url.origin,
    url,
    ifNoneMatch: c.req.header('if-none-match'),
    ifModifiedSince: c.req.header('if-modified-since'),
    waitUntil,
  };
}


// ---- the app ------------------------------------------------------------------

export function createApp() {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    let config = configs.get(c.env);
    if (!config) {
      try {
        config = loadConfig(c.env);
      } catch (err) {
        throw jsonError(500, 'BAD_CONFIG', err instanceof Error ? err.message : String(err));
      }
      configs.set(c.env, config);
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
  const ttl = (c: Context<AppEnv>) => c.var.config.cronIntervalMinutes;

  const feed = (fmt: FeedFormat) => async (c: Context<AppEnv>) => {
    const url = new URL(c.req.url);
    const q = parseQueryOr400(url);
    const req = serveRequest(c, url);
    // The pre-rendered view's self link is the bare path, so only a request without a query gets it.
    return serveView(req, fmt, url.search === '' && isDefaultQuery(q), async (idx, requestPath) => {
      const page = selectEntries(idx.entries, q, idx.sources);
      const bodies = await req.store.getBodiesOf(bodyKeysOf(page.entries));
      return renderEntryPage(fmt, idx, page, q, bodies, { base: req.base, ttlMinutes: ttl(c), requestPath });
    });
  };
  app.get('/feed.json', feed('json'));
  app.get('/feed.xml', feed('rss'));
  app.get('/feed.atom', feed('atom'));

  app.get('/stories.json', async (c) => {
    const url = new URL(c.req.url);
    const q = parseQueryOr400(url);
    const req = serveRequest(c, url);
    return serveView(req, 'stories', isDefaultQuery(q), async (idx, requestPath) =>
      renderStoryPage(idx, selectStories(idx.entries, idx.stories, q, idx.sources), q, { base: req.base, ttlMinutes: ttl(c), requestPath }));
  });

  app.get('/', async (c) => {
    const url = new URL(c.req.url);
    const q = parseQueryOr400(url, true);
    const req = serveRequest(c, url);
    return serveView(req, 'html', isDefaultQuery(q), async (idx, requestPath) =>
      renderHomePage(idx, selectStories(idx.entries, idx.stories, q, idx.sources), q, { base: req.base, ttlMinutes: ttl(c), requestPath }));
  });

  app.get('/sources.opml', async (c) => {
    const req = serveRequest(c, new URL(c.req.url));
    const rec = await req.store.getSources();
    // The ETag follows the stored list's version (its write time); the built-in list is version 0.
    const version = rec?.updatedAt ?? 'defaults';
    const body = renderOpml(rec?.sources ?? DEFAULT_SOURCES, req.base, rec?.updatedAt ?? new Date(0).toISOString());
    return serveDocument(req, 'opml', body, documentEtag('opml', version, req.base), rec ? new Date(rec.updatedAt).toUTCString() : null);
  });

  // CORS preflight for the public endpoints; other methods there are 405, with CORS so a
  // script can read why.
  for (const path of PUBLIC_PATHS) {
    app.options(path, () => new Response(null, { status: 204, headers: PREFLIGHT_HEADERS }));
    app.on(['POST', 'PUT', 'PATCH', 'DELETE'], path, (c) =>
      new Response(JSON.stringify(errorBody('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${path}; use GET or HEAD`)), {
        status: 405,
        headers: { ...CORS_HEADERS, Allow: 'GET, HEAD, OPTIONS', 'Content-Type': 'application/json; charset=utf-8' },
      }));
  }

  // Benchmark floors (bench/serve.bench.ts): a constant string through the same app and
  // middleware, so its throughput bounds what any route can reach; the .html twin is the same
  // as text/html, because wrangler dev's proxy rewrites every HTML response. They read and
  // write nothing, and answer only requests addressed to a loopback host (wrangler dev);
  // deployed, they are 404s like any unknown path.
  const floor = (body: string, type: string) => (c: Context<AppEnv>) => {
    const host = new URL(c.req.url).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') return c.notFound();
    return new Response(body, { headers: { 'Content-Type': type, 'Cache-Control': 'no-store' } });
  };
  app.get('/__floor', floor('ok\n', 'text/plain; charset=utf-8'));
  app.get('/__floor.html', floor('<!doctype html><title>ok</title><p>ok</p>\n', 'text/html; charset=utf-8'));

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
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([sha256Hex(enc.encode(a)), sha256Hex(enc.encode(b))]);
  let diff = 0;
  for (let i = 0; i < da.length; i++) diff |= da.charCodeAt(i) ^ db.charCodeAt(i);
  return diff === 0;
}
