/**
 * A real HTTP server on a loopback port that plays the upstream publishers in
 * tests and benchmarks. It runs in Node (vitest globalSetup, bench scripts);
 * the Worker under test fetches from it over real sockets.
 *
 *   GET  /feeds/<file>        a committed fixture (test/fixtures/feeds), with ETag and
 *                             Last-Modified, answering conditional requests with 304
 *   GET  /dyn/<name>          a feed whose body a test sets (PUT /__feed/<name>);
 *                             `?etag=0` on the PUT makes it serve no validators
 *   GET  /gen/<name>          a generated RSS feed (see `generatedFeed`): a window of `items`
 *                             (default 10) items that `POST /__gen/<name>?bump=K` slides by K;
 *                             options: ttl, skip (skipHours), maxAge, expires (seconds from
 *                             now), noetag, nolm, lmchange (Last-Modified new on every response),
 *                             delay (milliseconds before answering, so runs overlap),
 *                             bodyBytes (HTML per item), words (varied pseudo-word headlines and
 *                             text instead of "<name> story number <i>" and a repeated filler),
 *                             start (ms since 1970 of item 0, default GENERATED_EPOCH), every
 *                             (minutes between items, default 10)
 *   GET  /moved/<name>        the same feed as /gen/<name> (a redirect target)
 *   GET  /fault/<kind>/<name> /gen/<name> while faults are off; misbehaves as <kind> while on
 *                             (`POST /__faults?on=1`): 500, 503 (Retry-After ?ra=, default
 *                             3600), 429 (Retry-After only with ?ra=), 404, 410, timeout (never
 *                             answers), stall (headers and a little body, then nothing), huge
 *                             (20 MB, ?declare=1 adds Content-Length), loop (redirects in a
 *                             circle), moved (301 to /moved/<name>), temp (302 to it), html,
 *                             badxml, repairable, empty (a valid feed with no items), flip (two ETags over
 *                             one body, like two load-balanced nodes), utf16 (always: the feed
 *                             in UTF-16LE with a BOM)
 *   PUT  /__feed/<name>       set the body of /dyn/<name> (Content-Type header is kept)
 *   GET  /__log               requests seen so far: [{path, inm, ims, ua, status, closed, at}]
 *   GET  /__stats             bytes written by /fault/huge responses, per path, and the most
 *                             requests this scope ever had open at once (maxOpen)
 *   GET  /__side              {origin, up}: a second listener serving the same routes, which
 *   POST /__side?up=0|1       can be closed (connection refused) and opened again on its port
 *   POST /hub                 a WebSub hub that only listens: records the form (subscription
 *                             requests, publish pings) and answers 202, or 503 while faults are on;
 *                             it never calls back (workerd tests drive the callback themselves;
 *                             test/support/fixture-hub.ts is the hub that does)
 *   GET  /__hub               the forms /hub received: [{mode, fields, at}]
 *   POST /__reset             forget the log, dynamic and generated feeds, fault mode and stats
 *
 * Scopes. Every route above also exists under /s/<scope>/ (and the control routes under
 * /__s/<scope>/), with its own log, feeds and fault mode. Test files run in parallel against
 * this one server; a file that works in its own scope never sees another file's requests and
 * never resets another file's state.
 *
 * Extra routes can be added with `routes`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface LoggedRequest {
  path: string;
  inm: string | null;
  ims: string | null;
  ua: string | null;
  status: number;
  /** True when the client went away before the response was complete. */
  closed: boolean;
  at: number;
}

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface FixtureServer {
  server: Server;
  port: number;
  origin: string;
  log: LoggedRequest[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  xml: 'application/rss+xml',
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
  rdf: 'application/rdf+xml',
  html: 'text/html',
};

export const FIXTURE_LAST_MODIFIED = 'Tue, 05 Apr 2022 22:00:00 GMT';
/** Items of generated feeds are dated from here, ten minutes apart. */
export const GENERATED_EPOCH = Date.parse('2026-11-20T00:00:00Z');
const HUGE_BYTES = 20 * 1024 * 1024;

function etagOf(body: Buffer | string): string {
  return `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface GeneratedFeedOptions {
  items: number;
  offset: number;
  ttl?: number | null;
  skipHours?: number[];
  /** Non-ASCII titles (for the UTF-16 source). */
  unicode?: boolean;
  /** Bytes of HTML per item description (benchmarks use a realistic size). */
  bodyBytes?: number;
  /**
   * Headlines and text of pseudo-words, different for every item (benchmarks): a repeated title
   * pattern or filler would make every item look like a copy of, or the same story as, the others.
   */
  words?: boolean;
  /** Date of item 0 (ms since 1970; default GENERATED_EPOCH) and minutes between items (default 10). */
  startMs?: number;
  everyMinutes?: number;
}

/** The date of item `i` of a generated feed. */
function itemTime(o: Pick<GeneratedFeedOptions, 'startMs' | 'everyMinutes'>, i: number): number {
  return (o.startMs ?? GENERATED_EPOCH) + i * (o.everyMinutes ?? 10) * 60_000;
}

/** A deterministic 32-bit generator (mulberry32), seeded per item. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tas', 'vo', 'dri', 'pel', 'sun', 'gar', 'bix', 'tor', 'nea', 'fu', 'qua', 'zel', 'mor', 'pi', 'shan', 'dov'];

/**
 * `n` pseudo-words drawn by Zipf's law (the word of rank k with a probability of about 1/k, as in
 * natural text) from a vocabulary of 160,000: a few words are everywhere, most are rare.
 */
function pseudoWords(next: () => number, n: number): string[] {
  const out: string[] = [];
  for (let w = 0; w < n; w++) {
    // Log-uniform ranks have density 1/k.
    let k = Math.floor(Math.exp(next() * Math.log(VOCABULARY))) + SYLLABLES.length - 1;
    let word = '';
    for (; k > 0; k = Math.floor(k / SYLLABLES.length)) word += SYLLABLES[k % SYLLABLES.length];
    out.push(word);
  }
  return out;
}

const VOCABULARY = 160_000;

function seedOf(name: string, i: number): number {
  let h = 0x811c9dc5;
  for (const c of `${name}#${i}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** An item's title and description HTML: fixed patterns, or pseudo-words with `o.words`. */
function itemText(name: string, i: number, o: GeneratedFeedOptions): { title: string; html: string } {
  if (o.words) {
    const next = seeded(seedOf(name, i));
    const cap = (w: string) => w[0].toUpperCase() + w.slice(1);
    const title = pseudoWords(next, 8).map(cap).join(' ');
    let filler = '';
    while (filler.length < (o.bodyBytes ?? 0)) filler += `${cap(pseudoWords(next, 12).join(' '))}. `;
    const html = `<p>${cap(pseudoWords(next, 14).join(' '))}.</p>${o.bodyBytes ? `<p>${filler.slice(0, o.bodyBytes)}</p>` : ''}`;
    return { title, html };
  }
  const title = o.unicode ? `Café ünïcödé — 日本語の記事 ${i} (${name})` : `${name} story number ${i}`;
  const filler = o.bodyBytes ? `<p>${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(Math.ceil(o.bodyBytes / 58)).slice(0, o.bodyBytes)}</p>` : '';
  return { title, html: `<p>Story ${i} from ${name}.</p>${filler}` };
}

/** A deterministic RSS 2.0 feed: items offset .. offset+items-1, newest first, unique guids, URLs and titles. */
export function generatedFeed(name: string, o: GeneratedFeedOptions): string {
  const items: string[] = [];
  for (let i = o.offset + o.items - 1; i >= o.offset; i--) {
    const { title, html } = itemText(name, i, o);
    items.push(`<item><title>${esc(title)}</title><link>https://news.example/${name}/${i}</link>` +
      `<guid isPermaLink="false">${name}-${i}</guid><pubDate>${new Date(itemTime(o, i)).toUTCString()}</pubDate>` +
      `<description>${esc(html)}</description></item>`);
  }
  const ttl = o.ttl ? `<ttl>${o.ttl}</ttl>` : '';
  const skip = o.skipHours?.length ? `<skipHours>${o.skipHours.map((h) => `<hour>${h}</hour>`).join('')}</skipHours>` : '';
  return `<?xml version="1.0" encoding="${o.unicode ? 'UTF-16' : 'UTF-8'}"?>\n<rss version="2.0"><channel><title>${esc(name)}</title>` +
    `<link>https://news.example/${name}/</link><description>generated feed ${esc(name)}</description>${ttl}${skip}\n${items.join('\n')}\n</channel></rss>\n`;
}

function utf16le(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

interface Scope {
  log: LoggedRequest[];
  dynamic: Map<string, { body: Buffer; type: string; etag: boolean }>;
  offsets: Map<string, number>;
  faults: boolean;
  hits: Map<string, number>;
  hugeBytes: Record<string, number>;
  open: number;
  maxOpen: number;
  hub: Array<{ mode: string; fields: Record<string, string[]>; at: number }>;
}

function newScope(log: LoggedRequest[] = []): Scope {
  return { log, dynamic: new Map(), offsets: new Map(), faults: false, hits: new Map(), hugeBytes: {}, open: 0, maxOpen: 0, hub: [] };
}

export async function startFixtureServer(opts: { root: string; routes?: Route[]; port?: number }): Promise<FixtureServer> {
  const log: LoggedRequest[] = [];
  const scopes = new Map<string, Scope>([['', newScope(log)]]);
  const scopeOf = (name: string) => {
    let s = scopes.get(name);
    if (!s) scopes.set(name, (s = newScope()));
    return s;
  };
  const open = new Set<ServerResponse>();

  /** Send a body with validators, answering If-None-Match (which wins, RFC 9110 §13.2.2) or If-Modified-Since with 304. */
  const serve = (req: IncomingMessage, res: ServerResponse, body: Buffer, type: string, v: { etag: string | null; lastModified: string | null; headers?: Record<string, string> }) => {
    for (const [k, val] of Object.entries(v.headers ?? {})) res.setHeader(k, val);
    if (v.etag) res.setHeader('ETag', v.etag);
    if (v.lastModified) res.setHeader('Last-Modified', v.lastModified);
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const notModified = inm ? (v.etag !== null && inm === v.etag) : (ims && v.lastModified ? Date.parse(ims) >= Date.parse(v.lastModified) : false);
    if (notModified) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('Content-Type', type);
    res.end(body);
  };

  const genBody = (scope: Scope, name: string, url: URL, unicode = false) => {
    const offset = scope.offsets.get(name) ?? 0;
    const items = Number(url.searchParams.get('items') ?? 10);
    const timing = {
      startMs: url.searchParams.has('start') ? Number(url.searchParams.get('start')) : undefined,
      everyMinutes: url.searchParams.has('every') ? Number(url.searchParams.get('every')) : undefined,
    };
    const text = generatedFeed(name, {
      items, offset, unicode, ttl: url.searchParams.has('ttl') ? Number(url.searchParams.get('ttl')) : null,
      skipHours: url.searchParams.get('skip')?.split(',').filter(Boolean).map(Number) ?? [],
      bodyBytes: Number(url.searchParams.get('bodyBytes') ?? 0), words: url.searchParams.has('words'), ...timing,
    });
    return { body: unicode ? utf16le(text) : Buffer.from(text), newest: itemTime(timing, offset + items - 1) };
  };

  const serveGenerated = async (req: IncomingMessage, res: ServerResponse, scope: Scope, name: string, url: URL, unicode = false) => {
    const delay = Number(url.searchParams.get('delay') ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const { body, newest } = genBody(scope, name, url, unicode);
    const q = url.searchParams;
    const headers: Record<string, string> = {};
    if (q.has('maxAge')) headers['Cache-Control'] = `max-age=${q.get('maxAge')}`;
    if (q.has('expires')) {
      headers.Date = new Date().toUTCString();
      headers.Expires = new Date(Date.now() + Number(q.get('expires')) * 1000).toUTCString();
    }
    const hits = (scope.hits.get(url.pathname) ?? 0) + 1;
    scope.hits.set(url.pathname, hits);
    const lastModified = q.has('nolm') ? null : q.has('lmchange') ? new Date(newest + hits * 1000).toUTCString() : new Date(newest).toUTCString();
    serve(req, res, body, unicode ? 'application/rss+xml; charset=utf-16' : 'application/rss+xml; charset=utf-8', {
      etag: q.has('noetag') ? null : etagOf(body), lastModified, headers,
    });
  };

  const fault = async (req: IncomingMessage, res: ServerResponse, scope: Scope, prefix: string, kind: string, name: string, url: URL) => {
    if (kind === 'utf16') return serveGenerated(req, res, scope, name, url, true);
    if (!scope.faults) return serveGenerated(req, res, scope, name, url);
    const ra = url.searchParams.get('ra');
    switch (kind) {
      case '500': case '404': case '410':
        res.statusCode = Number(kind);
        res.end(`status ${kind}`);
        return;
      case '503':
        res.statusCode = 503;
        res.setHeader('Retry-After', ra ?? '3600');
        res.end('down for maintenance');
        return;
      case '429':
        res.statusCode = 429;
        if (ra) res.setHeader('Retry-After', ra);
        res.end('slow down');
        return;
      case 'timeout':
        return; // never answer; the response stays open until the client gives up
      case 'stall': {
        const { body } = genBody(scope, name, url);
        res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
        res.write(body.subarray(0, 300));
        return; // and nothing more
      }
      case 'huge': {
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const head = { 'Content-Type': 'application/rss+xml', ...(url.searchParams.has('declare') ? { 'Content-Length': String(HUGE_BYTES) } : {}) };
        res.writeHead(200, head);
        let sent = 0;
        scope.hugeBytes[url.pathname + url.search] = 0;
        res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>');
        while (sent < HUGE_BYTES && !res.destroyed) {
          const ok = res.write(chunk);
          sent += chunk.length;
          scope.hugeBytes[url.pathname + url.search] = sent;
          if (!ok) {
            await new Promise<void>((r) => {
              const done = () => {
                res.off('drain', done);
                res.off('close', done);
                r();
              };
              res.on('drain', done);
              res.on('close', done);
            });
          }
        }
        if (!res.destroyed) res.end('</channel></rss>');
        return;
      }
      case 'loop': {
        // A circle of two URLs, forever.
        res.statusCode = 302;
        res.setHeader('Location', url.searchParams.has('b') ? `${prefix}/fault/loop/${name}` : `${prefix}/fault/loop/${name}?b=1`);
        res.end();
        return;
      }
      case 'moved': case 'temp':
        res.statusCode = kind === 'moved' ? 301 : 302;
        res.setHeader('Location', `${prefix}/moved/${name}`);
        res.end();
        return;
      case 'html':
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end('<!doctype html><html><head><title>Welcome</title></head><body><h1>Our new website</h1><p>The feed has moved.</p></body></html>');
        return;
      case 'badxml':
        // Broken inside its first item: nothing can be recovered.
        res.setHeader('Content-Type', 'application/rss+xml');
        res.end('<?xml version="1.0"?><rss version="2.0"><channel><title>broken</title><item><title>Fish & chips</titel><desc');
        return;
      case 'repairable':
        // Malformed (a bare &, a mistyped end tag, unclosed elements) but every item is readable.
        res.setHeader('Content-Type', 'application/rss+xml');
        res.end('<?xml version="1.0"?><rss version="2.0"><channel><title>broken</title><item><title>Fish & chips</titel><link>https://news.example/fish</link></item><item><title>Peas</title><link>https://news.example/peas</link></item></channel>');
        return;
      case 'empty': {
        const body = Buffer.from(generatedFeed(name, { items: 0, offset: 0 }));
        return serve(req, res, body, 'application/rss+xml', { etag: etagOf(body), lastModified: null });
      }
      case 'flip': {
        // Two nodes behind a load balancer, each with its own ETag for the same bytes.
        const { body } = genBody(scope, name, url);
        const hits = (scope.hits.get(url.pathname) ?? 0) + 1;
        scope.hits.set(url.pathname, hits);
        return serve(req, res, body, 'application/rss+xml', { etag: hits % 2 ? '"node-a"' : '"node-b"', lastModified: null });
      }
      default:
        res.statusCode = 400;
        res.end(`unknown fault ${kind}`);
    }
  };

  let side: Server | null = null;
  let sidePort = 0;

  const handler: RequestListener = async (req, res) => {
    let url = new URL(req.url ?? '/', 'http://fixture.local');
    let scope = scopes.get('')!;
    let prefix = '';
    const m = /^\/(s|__s)\/([A-Za-z0-9_-]+)(\/.*)$/.exec(url.pathname);
    if (m) {
      scope = scopeOf(m[2]);
      prefix = `/s/${m[2]}`;
      url = new URL((m[1] === '__s' ? '/__' + m[3].slice(1) : m[3]) + url.search, 'http://fixture.local');
    }
    const entry: LoggedRequest = {
      path: prefix + url.pathname + url.search,
      inm: (req.headers['if-none-match'] as string | undefined) ?? null,
      ims: (req.headers['if-modified-since'] as string | undefined) ?? null,
      ua: (req.headers['user-agent'] as string | undefined) ?? null,
      status: 0,
      closed: false,
      at: Date.now(),
    };
    const internal = url.pathname.startsWith('/__');
    open.add(res);
    if (!internal) {
      scope.open++;
      scope.maxOpen = Math.max(scope.maxOpen, scope.open);
    }
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    res.on('close', () => {
      open.delete(res);
      if (!internal) scope.open--;
      if (!res.writableFinished) {
        entry.closed = true;
        entry.status = res.headersSent ? res.statusCode : 0;
      }
    });
    if (!internal) scope.log.push(entry);
    try {
      const p = url.pathname;
      if (p === '/__log') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(scope.log));
        return;
      }
      if (p === '/__stats') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ hugeBytes: scope.hugeBytes, maxOpen: scope.maxOpen }));
        return;
      }
      if (p === '/__hub') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(scope.hub));
        return;
      }
      if (p === '/hub' && req.method === 'POST') {
        const form = new URLSearchParams((await readBody(req)).toString('utf8'));
        const fields: Record<string, string[]> = {};
        for (const [k, v] of form) fields[k] = [...(fields[k] ?? []), v];
        scope.hub.push({ mode: form.get('hub.mode') ?? '', fields, at: Date.now() });
        res.statusCode = scope.faults ? 503 : 202;
        res.end();
        return;
      }
      if (p === '/__reset' && req.method === 'POST') {
        scope.log.length = 0;
        scope.hub.length = 0;
        scope.dynamic.clear();
        scope.offsets.clear();
        scope.hits.clear();
        scope.faults = false;
        scope.hugeBytes = {};
        scope.maxOpen = scope.open;
        res.end('ok');
        return;
      }
      if (p === '/__faults' && req.method === 'POST') {
        scope.faults = url.searchParams.get('on') === '1';
        res.end('ok');
        return;
      }
      if (p.startsWith('/__gen/') && req.method === 'POST') {
        const name = p.slice('/__gen/'.length);
        scope.offsets.set(name, (scope.offsets.get(name) ?? 0) + Number(url.searchParams.get('bump') ?? 1));
        res.end('ok');
        return;
      }
      if (p === '/__side') {
        if (req.method === 'POST') {
          const up = url.searchParams.get('up') === '1';
          if (!up && side) {
            side.closeAllConnections?.();
            await new Promise<void>((r) => side!.close(() => r()));
            side = null;
          } else if (up && !side) {
            side = createServer(handler);
            await new Promise<void>((r) => side!.listen({ port: sidePort, host: '127.0.0.1' }, r));
            sidePort = (side.address() as AddressInfo).port;
          }
        }
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ origin: `http://127.0.0.1:${sidePort}`, up: side !== null }));
        return;
      }
      if (p.startsWith('/__feed/') && req.method === 'PUT') {
        const name = p.slice('/__feed/'.length);
        scope.dynamic.set(name, { body: await readBody(req), type: req.headers['content-type'] ?? 'application/rss+xml', etag: url.searchParams.get('etag') !== '0' });
        res.end('ok');
        return;
      }
      if (p.startsWith('/dyn/')) {
        const d = scope.dynamic.get(p.slice('/dyn/'.length));
        if (!d) {
          res.statusCode = 404;
          res.end('no such dynamic feed');
          return;
        }
        serve(req, res, d.body, d.type, d.etag ? { etag: etagOf(d.body), lastModified: FIXTURE_LAST_MODIFIED } : { etag: null, lastModified: null });
        return;
      }
      if (p.startsWith('/gen/') || p.startsWith('/moved/')) {
        serveGenerated(req, res, scope, p.slice(p.indexOf('/', 1) + 1), url);
        return;
      }
      const f = /^\/fault\/([a-z0-9]+)\/(.+)$/.exec(p);
      if (f) {
        await fault(req, res, scope, prefix, f[1], f[2], url);
        return;
      }
      if (p.startsWith('/feeds/')) {
        const file = p.slice('/feeds/'.length);
        const path = join(opts.root, file);
        if (file.includes('..') || !existsSync(path)) {
          res.statusCode = 404;
          res.end('not found');
          return;
        }
        const ext = file.split('.').pop() ?? '';
        const body = readFileSync(path);
        serve(req, res, body, TYPES[ext] ?? 'application/octet-stream', { etag: etagOf(body), lastModified: FIXTURE_LAST_MODIFIED });
        return;
      }
      for (const route of opts.routes ?? []) if (await route(req, res, url)) return;
      res.statusCode = 404;
      res.end('not found');
    } catch (err) {
      if (!res.headersSent) res.statusCode = 500;
      res.end(String(err));
    }
  };

  const server = createServer(handler);
  // A deep accept queue: Marquee opens several connections at once.
  await new Promise<void>((resolve) => server.listen({ port: opts.port ?? 0, host: '127.0.0.1', backlog: 511 }, resolve));
  const port = (server.address() as AddressInfo).port;
  side = createServer(handler);
  await new Promise<void>((resolve) => side!.listen({ port: 0, host: '127.0.0.1' }, resolve));
  sidePort = (side.address() as AddressInfo).port;
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    log,
    close: async () => {
      for (const res of open) res.destroy();
      if (side) {
        side.closeAllConnections?.();
        await new Promise<void>((r) => side!.close(() => r()));
      }
      await new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}
