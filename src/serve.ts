/**
 * The serving stage: turns stored views into HTTP responses, cheaply and
 * cacheably. It owns conditional GET, the response headers of the public read
 * endpoints (content types, Cache-Control, CORS) and the per-isolate memo.
 *
 * Cost of a request, from cheapest:
 *
 * 1. A revalidation (`If-None-Match` / `If-Modified-Since`) is answered from the
 *    memoized views record alone: the ETag is a function of the stored version (catalog
 *    revision and write time), the render version, the format and the origin, never a
 *    hash of the body, so a 304 costs no KV read, no rendering and no body.
 * 2. A default view (an unfiltered first page requested without a query string) is
 *    pre-rendered by the catalog object when a revision changed (`views:v2`). Each isolate
 *    keeps the parsed record for VIEW_MEMO_SECONDS and, per format and origin, the
 *    body already encoded to UTF-8 with its headers, so a request is a map lookup.
 * 3. Any other view (filters, later pages, a default view with an unknown parameter,
 *    whose self link must echo that query) is looked up in a small per-isolate LRU,
 *    then in the Workers Cache API, keyed by render version, stored version and the exact
 *    URL; a new version is a miss, so nothing ever needs purging. Only on a miss is
 *    the page read from the catalog object (indexed SQL, sized by the page) and rendered.
 *
 * Concurrent requests share one in-flight KV read instead of each starting their own.
 */
import type { Config } from './config';
import { fnv1a } from './hash';
import { RENDER_VERSION, type ViewFormat } from './render/index';
import type { PageBundle } from './store/pages';
import { BASE_PLACEHOLDER, readViews, type ViewsRecord } from './store/views';

export const CONTENT_TYPES: Record<ViewFormat | 'opml', string> = {
  json: 'application/feed+json; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  storiesRss: 'application/rss+xml; charset=utf-8',
  storiesAtom: 'application/atom+xml; charset=utf-8',
  storiesJson: 'application/feed+json; charset=utf-8',
  stories: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
};

/** CORS for the public read endpoints (never /admin/*): any site may fetch the feeds. */
export const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Last-Modified',
};

/** The answer to a CORS preflight on a public read endpoint (Fetch standard, "CORS protocol"). */
export const PREFLIGHT_HEADERS: Record<string, string> = {
  ...CORS_HEADERS,
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  // Not CORS-safelisted, so a script that revalidates needs them allowed.
  'Access-Control-Allow-Headers': 'If-None-Match, If-Modified-Since, Cache-Control',
  'Access-Control-Max-Age': '86400',
  Allow: 'GET, HEAD, OPTIONS',
};

/** Filtered bodies kept per isolate, in total bytes and in count. */
const FILTERED_MEMO_BYTES = 8 * 1024 * 1024;
const FILTERED_MEMO_ITEMS = 256;

const encoder = new TextEncoder();

/**
 * `Cache-Control` for the public views. Content changes at most once per cron run, so a third
 * of the interval is fresh and the rest of it may be served stale while revalidating (RFC 5861);
 * an error upstream of a cache may serve a day-old copy.
 */
export function cacheControl(cfg: Config): string {
  const period = cfg.cronIntervalMinutes * 60;
  return `public, max-age=${Math.max(60, Math.round(period / 3))}, stale-while-revalidate=${period}, stale-if-error=86400`;
}

/** A short, stable tag of the origin for ETags and cache keys (FNV-1a; not a security hash). */
function fnv(s: string): string {
  return fnv1a(s).toString(36);
}

/**
 * The stored version a view is derived from: the catalog revision and the time it was written.
 * The time makes it unique even if the catalog were ever wiped and revisions started over.
 */
export function storedVersion(rev: number, updatedAt: string): string {
  return `${rev}-${(Date.parse(updatedAt) || 0).toString(36)}`;
}

/**
 * A strong ETag (RFC 9110 §8.8.3) for a view: the same stored version, renderer, format and
 * origin always produce the same bytes, so this names the representation without hashing it.
 */
export function viewEtag(version: string, fmt: string, base: string): string {
  return `"m${RENDER_VERSION}.${version}.${fmt}.${fnv(base)}"`;
}

/** A strong ETag for a document that is not a list view, from the stored record's version. */
export function documentEtag(kind: string, version: string, base: string): string {
  return `"m${RENDER_VERSION}.${kind}.${fnv(version)}.${fnv(base)}"`;
}

/** What a request needs to be answered: parsed once in app.ts. */
export interface ServeRequest {
  kv: KVNamespace;
  config: Config;
  /** Public origin for absolute URLs. */
  base: string;
  url: URL;
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  waitUntil: (p: Promise<unknown>) => void;
}

/**
 * RFC 9110 §13.1: If-None-Match with weak comparison (a CDN that compresses weakens our tags);
 * If-Modified-Since only when there is no If-None-Match (§13.1.3), at one-second resolution.
 */
export function isNotModified(req: Pick<ServeRequest, 'ifNoneMatch' | 'ifModifiedSince'>, etag: string, lastModified: string | null): boolean {
  const inm = req.ifNoneMatch;
  if (inm) {
    if (inm.trim() === '*') return true;
    for (const raw of inm.split(',')) {
      const t = raw.trim();
      if ((t.startsWith('W/') ? t.slice(2) : t) === etag) return true;
    }
    return false;
  }
  const ims = req.ifModifiedSince;
  if (ims && lastModified) {
    const since = Date.parse(ims);
    const modified = Date.parse(lastModified);
    return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
  }
  return false;
}

/** A response ready to send: the body already UTF-8, the headers of a 200 and of a 304. */
export interface Prepared {
  body: Uint8Array;
  etag: string;
  ok: Record<string, string>;
  notModified: Record<string, string>;
}

function prepare(fmt: ViewFormat, body: Uint8Array, etag: string, lastModified: string | null, cfg: Config, extra: Record<string, string> = {}): Prepared {
  // RFC 9110 §15.4.5: a 304 carries the validators and caching fields a 200 would, not the content type.
  const notModified: Record<string, string> = { ETag: etag, 'Cache-Control': cacheControl(cfg), Vary: 'Accept-Encoding', ...CORS_HEADERS };
  if (lastModified) notModified['Last-Modified'] = lastModified;
  const ok = { ...notModified, 'Content-Type': CONTENT_TYPES[fmt], 'X-Content-Type-Options': 'nosniff', ...extra };
  return { body, etag, ok, notModified };
}

/**
 * 304 or 200. `X-Marquee-View` says where the body came from (default, memo, cache, rendered);
 * the default views carry it in their prepared headers, so the hot path copies nothing extra.
 */
function send(p: Prepared, req: ServeRequest, lastModified: string | null, how?: string): Response {
  if (isNotModified(req, p.etag, lastModified)) return new Response(null, { status: 304, headers: p.notModified });
  const res = new Response(p.body, { status: 200, headers: p.ok });
  if (how) res.headers.set('X-Marquee-View', how);
  return res;
}

// ---- per-isolate memo -----------------------------------------------------------

interface Memo<T> {
  value: T;
  at: number;
}

const memo = {
  /** Bumped by resetServeMemo, so a KV read started before a reset cannot store what it read. */
  generation: 0,
  views: null as Memo<ViewsRecord | null> | null,
  viewsLoading: null as Promise<ViewsRecord | null> | null,
  /** Default views of `memo.views`, per `${fmt}|${base}`. */
  prepared: new Map<string, Prepared>(),
  /** Other views, per `${version}|${base}|${path}${search}`, least recently used first. */
  filtered: new Map<string, Prepared>(),
  filteredBytes: 0,
};

/** Forget everything memoized (after a refresh in this isolate, and between tests). */
export function resetServeMemo(): void {
  memo.generation++;
  memo.views = null;
  memo.viewsLoading = null;
  memo.prepared.clear();
  memo.filtered.clear();
  memo.filteredBytes = 0;
}

export async function getViews(kv: KVNamespace, cfg: Config): Promise<ViewsRecord | null> {
  const m = memo.views;
  if (m && Date.now() - m.at < cfg.viewMemoSeconds * 1000) return m.value;
  if (memo.viewsLoading) return memo.viewsLoading;
  const generation = memo.generation;
  const loading = readViews(kv).then((v) => {
    if (generation !== memo.generation) return v;
    // Same revision and renderer: keep the prepared bodies instead of rebuilding them.
    const prev = memo.views?.value;
    if (!prev || !v || prev.rev !== v.rev || prev.builtAt !== v.builtAt || prev.renderVersion !== v.renderVersion) memo.prepared.clear();
    memo.views = { value: v, at: Date.now() };
    return v;
  }).finally(() => {
    if (memo.viewsLoading === loading) memo.viewsLoading = null;
  });
  memo.viewsLoading = loading;
  return loading;
}

function rememberFiltered(key: string, p: Prepared): void {
  const old = memo.filtered.get(key);
  if (old) {
    memo.filtered.delete(key);
    memo.filteredBytes -= old.body.byteLength;
  }
  if (p.body.byteLength > FILTERED_MEMO_BYTES / 4) return;
  memo.filtered.set(key, p);
  memo.filteredBytes += p.body.byteLength;
  for (const [k, v] of memo.filtered) {
    if (memo.filteredBytes <= FILTERED_MEMO_BYTES && memo.filtered.size <= FILTERED_MEMO_ITEMS) break;
    memo.filtered.delete(k);
    memo.filteredBytes -= v.body.byteLength;
  }
}

function recallFiltered(key: string): Prepared | undefined {
  const p = memo.filtered.get(key);
  if (p) {
    // Move to the most recently used end.
    memo.filtered.delete(key);
    memo.filtered.set(key, p);
  }
  return p;
}

const cspMemo = new Map<string, Record<string, string>>();

async function sha256Base64(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(s)));
  return btoa(String.fromCharCode(...d));
}

/**
 * Extra headers of an HTML body: a Content-Security-Policy that allows exactly its own inline
 * styles and scripts (by SHA-256, CSP Level 3 "hash-source"), images from anywhere (they are the
 * outlets'), and nothing else. The hashes are taken from the body being served, not from the
 * page module's constants, so a page pre-rendered by older code still gets a policy that fits it.
 * Computed when a body is prepared (once per view and revision), never per request.
 */
async function extraFor(fmt: ViewFormat, text: string): Promise<Record<string, string>> {
  if (fmt !== 'html') return {};
  const styles = [...text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
  const scripts = [...text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  const key = `${styles.join('\u0000')}\u0001${scripts.join('\u0000')}`;
  let headers = cspMemo.get(key);
  if (!headers) {
    const src = async (list: string[]) => (await Promise.all(list.map(async (x) => `'sha256-${await sha256Base64(x)}'`))).join(' ') || "'none'";
    headers = {
      'Content-Security-Policy': `default-src 'none'; img-src http: https:; style-src ${await src(styles)}; script-src ${await src(scripts)}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
      'Referrer-Policy': 'strict-origin-when-cross-origin',
    };
    if (cspMemo.size > 16) cspMemo.clear();
    cspMemo.set(key, headers);
  }
  return headers;
}

// ---- serving a list view -------------------------------------------------------------

/** A page read from the catalog, ready to render. */
export interface LoadedPage {
  bundle: PageBundle;
  render: (requestPath: string) => string;
}

/**
 * Serve one list view. `isDefault` says the request may be answered with the pre-rendered
 * view; `load` reads any other page from the catalog object and renders it (given the exact
 * request path so self links match, W3C validator: SelfDoesntMatchLocation).
 */
export async function serveView(req: ServeRequest, fmt: ViewFormat, isDefault: boolean, load: () => Promise<LoadedPage>): Promise<Response> {
  const { kv, config, base, url } = req;
  const views = await getViews(kv, config);

  if (isDefault && views && views.renderVersion === RENDER_VERSION && views.formats[fmt] !== undefined) {
    const key = `${fmt}|${base}`;
    let p = memo.prepared.get(key);
    if (!p || memo.views?.value !== views) {
      const text = base === BASE_PLACEHOLDER ? views.formats[fmt] : views.formats[fmt].split(BASE_PLACEHOLDER).join(base);
      p = prepare(fmt, encoder.encode(text), viewEtag(storedVersion(views.rev, views.builtAt), fmt, base), views.lastModified, config, { ...(await extraFor(fmt, text)), 'X-Marquee-View': 'default' });
      if (memo.views?.value === views) memo.prepared.set(key, p);
    }
    return send(p, req, views.lastModified);
  }

  // Any other view. Its version comes from the views record when there is one, so a
  // revalidation or a cache hit never has to call the catalog.
  let page: LoadedPage | null = null;
  if (!views) page = await load();
  let version = views ? storedVersion(views.rev, views.builtAt) : versionOf(page!.bundle);
  let lastModified = views ? views.lastModified : lastModifiedOf(page!.bundle);
  const path = `${url.pathname}${url.search}`;
  let etag = viewEtag(version, fmt, base);
  if (isNotModified(req, etag, lastModified)) return send(prepare(fmt, new Uint8Array(0), etag, lastModified, config), req, lastModified);

  let memoKey = `${version}|${base}|${path}`;
  const remembered = recallFiltered(memoKey);
  if (remembered) return send(remembered, req, lastModified, 'memo');

  const cache = typeof caches !== 'undefined' ? caches.default : null;
  let cacheKey = cacheKeyFor(url, version, base);
  if (cache) {
    try {
      const hit = await cache.match(cacheKey);
      if (hit) {
        const text = await hit.text();
        const p = prepare(fmt, encoder.encode(text), etag, lastModified, config, await extraFor(fmt, text));
        rememberFiltered(memoKey, p);
        return send(p, req, lastModified, 'cache');
      }
    } catch {
      // The Cache API is an optimization; a failing lookup renders instead.
    }
  }

  page ??= await load();
  const seen = versionOf(page.bundle);
  if (seen !== version) {
    // The catalog is at another revision than the views record this isolate read (KV is
    // eventually consistent): label and cache what we render with the catalog's version.
    version = seen;
    lastModified = lastModifiedOf(page.bundle);
    etag = viewEtag(version, fmt, base);
    memoKey = `${version}|${base}|${path}`;
    cacheKey = cacheKeyFor(url, version, base);
  }
  const text = page.render(path);
  const body = encoder.encode(text);
  const p = prepare(fmt, body, etag, lastModified, config, await extraFor(fmt, text));
  rememberFiltered(memoKey, p);
  if (cache) {
    const stored = new Response(body, { headers: { 'Content-Type': CONTENT_TYPES[fmt], 'Cache-Control': `public, max-age=${config.cronIntervalMinutes * 60 * 4}` } });
    req.waitUntil(cache.put(cacheKey, stored).catch(() => undefined));
  }
  return send(p, req, lastModified, 'rendered');
}

function versionOf(b: PageBundle): string {
  return storedVersion(b.rev, b.updatedAt);
}

function lastModifiedOf(b: PageBundle): string | null {
  return b.rev ? new Date(b.updatedAt).toUTCString() : null;
}

/**
 * The Cache API key of a view: the request URL (same host, so it stays in this zone's cache)
 * with the render version, stored version and origin tag appended. A new version is a new key.
 */
function cacheKeyFor(url: URL, version: string, base: string): Request {
  const sep = url.search ? '&' : '?';
  return new Request(`${url.origin}${url.pathname}${url.search}${sep}__marquee=${RENDER_VERSION}.${version}.${fnv(base)}`, { method: 'GET' });
}

// ---- small helpers for other public routes ------------------------------------------------

/** A view-like response for a document that is not a list view (the OPML export). */
export function serveDocument(req: ServeRequest, fmt: ViewFormat | 'opml', body: string, etag: string, lastModified: string | null): Response {
  const notModified: Record<string, string> = { ETag: etag, 'Cache-Control': cacheControl(req.config), Vary: 'Accept-Encoding', ...CORS_HEADERS };
  if (lastModified) notModified['Last-Modified'] = lastModified;
  if (isNotModified(req, etag, lastModified)) return new Response(null, { status: 304, headers: notModified });
  return new Response(body, { status: 200, headers: { ...notModified, 'Content-Type': CONTENT_TYPES[fmt], 'X-Content-Type-Options': 'nosniff' } });
}
