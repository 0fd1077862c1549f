/**
 * HTTP routes (hono). The public API is a contract other sites, feed readers
 * and the evaluation tools depend on:
 *
 *   GET  /                 HTML page: top stories, then more news (?source, ?category, ?q, ?sort)
 *   GET  /feed.xml         RSS 2.0 of the combined, deduped entries, newest first
 *   GET  /feed.atom        Atom 1.0, same entries
 *   GET  /feed.json        JSON Feed 1.1, same entries, with the `_marquee` extension
 *   GET  /stories.json     related-story groups, top stories first (rank.ts; ?sort=latest for
 *                          newest first); ?explain=1 (admin token) says why each member joined
 *   GET  /stories.xml      RSS 2.0, one item per story (render/storyfeeds.ts)
 *   GET  /stories.atom     Atom 1.0, one entry per story
 *   GET  /stories.feed.json  JSON Feed 1.1, one item per story
 *   GET  /sources.opml     OPML 2.0 of the source list
 *   GET/POST /websub/callback/:token  WebSub subscriber callback (websub-routes.ts)
 *   OPTIONS <any of the above>   CORS preflight (204); any other method 405 with Allow
 *   GET  /healthz          liveness plus "n healthy, n failing, n paused" and the last run
 *   GET  /__floor[.html]   benchmark floor: a constant string, only on loopback hosts (else 404)
 *   /admin/*               the admin API (admin.ts), Bearer token
 *
 * List endpoints share the query parameters in query.ts (source, category, q,
 * story, since, until, limit, dedupe, cursor, sort) and page with `next_url` (JSON)
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
import { createAdmin, requireAdmin } from './admin';
import { loadConfig, runConfig, type Config } from './config';
import { topicHubs } from './websub';
import { createWebsubCallback } from './websub-routes';
import { errorBody, jsonError, type AppEnv } from './http';
import { QueryError, isDefaultQuery, parseListQuery, type ListQuery } from './query';
import {
  entryPageOf, indexBundle, renderEntryPage, renderHomePage, renderStoryFeed, renderStoryPage, storyPageOf,
  type FeedFormat, type RenderContext, type StoryFeedFormat, type ViewFormat,
} from './render/index';
import { renderOpml } from './render/opml';
import { renderErrorPage } from './render/page';
import { CORS_HEADERS, PREFLIGHT_HEADERS, documentEtag, resetServeMemo, serveDocument, serveView, type ServeRequest } from './serve';
import { catalogOf } from './store/object';
import type { PageBundle } from './store/pages';

/** Paths of the public read endpoints: GET/HEAD/OPTIONS with CORS, other methods 405. */
const PUBLIC_PATHS = ['/', '/feed.json', '/feed.xml', '/feed.atom', '/stories.json', '/stories.xml', '/stories.atom', '/stories.feed.json', '/sources.opml'];

/** Forget memoized records (after a refresh in this isolate, and between tests). */
export function resetMemo(): void {
  resetServeMemo();
}

/** Config parsed once per `env` object (an isolate reuses it across requests). */
const configs = new WeakMap<object, Config>();

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
    kv: c.env.MARQUEE_KV,
    config: c.var.config,
    base: c.var.config.publicUrl ?? url.origin,
    url,
    ifNoneMatch: c.req.header('if-none-match'),
    ifModifiedSince: c.req.header('if-modified-since'),
    waitUntil,
  };
}

/** Serve a list view: pre-rendered when it is the default one, else a page read from the catalog and rendered. */
function listRoute(fmt: ViewFormat, read: (c: Context<AppEnv>, q: ListQuery) => Promise<PageBundle>, render: (b: PageBundle, q: ListQuery, ctx: RenderContext) => string) {
  return async (c: Context<AppEnv>) => {
    const url = new URL(c.req.url);
    const q = parseQueryOr400(url, fmt === 'html');
    const req = serveRequest(c, url);
    // The pre-rendered feeds' self link is the bare path, so only a request without a query gets them.
    const isDefault = isDefaultQuery(q) && (fmt === 'stories' || fmt === 'html' || url.search === '');
    // Only the unfiltered first pages are WebSub topics (view.ts hubLinks).
    const hubs = isDefault && url.search === '' ? topicHubs(c.var.config) : [];
    return serveView(req, fmt, isDefault, async () => {
      const bundle = await read(c, q);
      return { bundle, render: (requestPath) => render(bundle, q, { base: req.base, ttlMinutes: c.var.config.cronIntervalMinutes, requestPath, hubs }) };
    });
  };
}

const entriesOf = (c: Context<AppEnv>, q: ListQuery) => c.var.catalog.entryPage(q);
const storiesOf = (c: Context<AppEnv>, q: ListQuery) => c.var.catalog.storyPage(q);

function feedRoute(fmt: FeedFormat) {
  return listRoute(fmt, entriesOf, (b, q, ctx) => renderEntryPage(fmt, indexBundle(b), entryPageOf(b), q, new Map(b.bodies), ctx));
}

function storyFeedRoute(fmt: StoryFeedFormat) {
  return listRoute(fmt, storiesOf, (b, q, ctx) => renderStoryFeed(fmt, indexBundle(b), storyPageOf(b), q, new Map(b.bodies), ctx));
}

/**
 * `/stories.json?explain=1`: every member's join reason, for a person debugging a story card.
 * Admin only (it shows how grouping scores items), never cached, never pre-rendered.
 */
async function explainStories(c: Context<AppEnv>, url: URL): Promise<Response> {
  await requireAdmin(c);
  const q = parseQueryOr400(url);
  const bundle = await c.var.catalog.storyPage(q);
  const base = c.var.config.publicUrl ?? url.origin;
  const body = renderStoryPage(indexBundle(bundle), storyPageOf(bundle), q, { base, ttlMinutes: c.var.config.cronIntervalMinutes, explain: true });
  return new Response(body, { headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } });
}

const storiesJson = listRoute('stories', storiesOf, (b, q, ctx) => renderStoryPage(indexBundle(b), storyPageOf(b), q, ctx));

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
    c.set('catalog', catalogOf(c.env));
    await next();
  });

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    console.error('unhandled', err);
    return c.json(errorBody('INTERNAL', 'internal error; the request changed nothing'), 500);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));

  // ---- public read endpoints ----
  app.get('/feed.json', feedRoute('json'));
  app.get('/feed.xml', feedRoute('rss'));
  app.get('/feed.atom', feedRoute('atom'));
  app.get('/stories.json', (c) => {
    const url = new URL(c.req.url);
    const explain = url.searchParams.get('explain');
    return explain && !['0', 'false', 'no'].includes(explain) ? explainStories(c, url) : storiesJson(c);
  });
  app.get('/stories.xml', storyFeedRoute('storiesRss'));
  app.get('/stories.atom', storyFeedRoute('storiesAtom'));
  app.get('/stories.feed.json', storyFeedRoute('storiesJson'));
  app.get('/', listRoute('html', storiesOf, (b, q, ctx) => renderHomePage(indexBundle(b), storyPageOf(b), q, ctx)));

  app.get('/sources.opml', async (c) => {
    const req = serveRequest(c, new URL(c.req.url));
    const list = await c.var.catalog.sourceList();
    // The ETag follows the list's version (its write time) and the catalog revision (feed titles learned).
    const version = `${list.updatedAt ?? 'defaults'}|${list.rev}`;
    const body = renderOpml(list.sources, req.base, list.updatedAt ?? new Date(0).toISOString());
    return serveDocument(req, 'opml', body, documentEtag('opml', version, req.base), list.updatedAt ? new Date(list.updatedAt).toUTCString() : null);
  });

  // CORS preflight for the public endpoints; any other method there is 405 (RFC 9110 §15.5.6:
  // with Allow), with CORS so a script can read why. Registered after GET, so it only sees the rest.
  for (const path of PUBLIC_PATHS) {
    app.options(path, () => new Response(null, { status: 204, headers: PREFLIGHT_HEADERS }));
    app.all(path, (c) =>
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
    const h = await c.var.catalog.health({ config: runConfig(c.var.config) });
    const { counts } = h;
    const run = h.lastRun;
    const origin = c.var.config.publicUrl ?? new URL(c.req.url).origin;
    return c.json({
      ok: true,
      summary: `${counts.healthy} healthy, ${counts.failing} failing, ${counts.paused} paused${counts.new ? `, ${counts.new} not fetched yet` : ''}`,
      sources: { ...counts, overdue: h.overdue, queued: h.queued },
      // The run's full summary is admin-only (GET /admin/runs/:n); this link names it.
      last_run: run ? {
        n: run.n, url: `${origin}/admin/runs/${run.n}`, started_at: run.startedAt, finished_at: run.finishedAt, trigger: run.trigger,
        duration_ms: run.durationMs, new_entries: run.newEntries, failed: run.failed, deferred: run.sourcesDeferred, deadline_hit: run.deadlineHit,
      } : null,
      websub: { subscriptions: h.websub.subscriptions, pending_pings: h.websub.pendingPings, publishing: topicHubs(c.var.config).length > 0 },
    }, 200, { 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' });
  });

  app.route('/websub', createWebsubCallback());
  app.route('/admin', createAdmin());
  return app;
}
