/**
 * Serving, inside workerd with real local KV, the real Cache API and real HTTP
 * to the fixture server: content types, HEAD, conditional GET, Cache-Control,
 * the Cache API and the pre-rendered views, CORS, every filter on every format
 * (and every invalid value), and pagination that visits each item exactly once.
 * Tests share storage and run in order; the ones that change the catalog are last.
 */
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { resetMemo } from '../../src/app';
import worker from '../../src/index';
import { RENDER_VERSION } from '../../src/render/index';
import { VIEWS_KEY, type ViewsRecord } from '../../src/store/views';
import { responseSchemaErrors, schemaForResponse } from '../support/schemas';
import { BASE, call, fixtureOrigin, json, putSources, resetFixtures, runCron, setDynamicFeed } from '../support/worker';
import { fixtureSources } from '../support/fixture-sources';

const T0 = new Date('2026-11-26T08:00:00Z');
const kv = () => (env as unknown as { MARQUEE_KV: KVNamespace }).MARQUEE_KV;

function sources() {
  return fixtureSources(fixtureOrigin());
}

const LIST_PATHS = ['/feed.json', '/feed.xml', '/feed.atom', '/stories.json', '/stories.xml', '/stories.atom', '/stories.feed.json', '/'] as const;
const TYPES: Record<string, string> = {
  '/feed.json': 'application/feed+json; charset=utf-8',
  '/feed.xml': 'application/rss+xml; charset=utf-8',
  '/feed.atom': 'application/atom+xml; charset=utf-8',
  '/stories.json': 'application/json; charset=utf-8',
  '/stories.xml': 'application/rss+xml; charset=utf-8',
  '/stories.atom': 'application/atom+xml; charset=utf-8',
  '/stories.feed.json': 'application/feed+json; charset=utf-8',
  '/': 'text/html; charset=utf-8',
  '/sources.opml': 'text/x-opml; charset=utf-8',
};
const typeOf = (path: string) => TYPES[new URL(path, BASE).pathname];

/** Entry ids (story ids, for the story feeds) of a feed document in any of the formats, in document order. */
function entryIds(path: string, body: string): string[] {
  const p = new URL(path, BASE).pathname;
  if (p === '/feed.json' || p === '/stories.feed.json') return JSON.parse(body).items.map((i: any) => i.id);
  expect(XMLValidator.validate(body), `${path} is well-formed XML`).toBe(true);
  const kind = p.startsWith('/stories') ? 'story' : 'entry';
  const re = p.endsWith('.xml')
    ? new RegExp(`<guid isPermaLink="false">tag:marquee,2026:${kind}:([^<]+)</guid>`, 'g')
    : new RegExp(`<entry(?: xml:lang="[^"]*")?>\\n<id>tag:marquee,2026:${kind}:([^<]+)</id>`, 'g');
  return [...body.matchAll(re)].map((m) => m[1]);
}

/** The path of the next page a document links to, or null. */
function nextOf(path: string, body: string): string | null {
  const p = new URL(path, BASE).pathname;
  let href: string | undefined;
  if (p.endsWith('.json')) href = JSON.parse(body).next_url;
  else if (p === '/') href = /<a rel="next" href="([^"]+)"/.exec(body)?.[1];
  else href = /<(?:atom:)?link rel="next" type="[^"]+" href="([^"]+)"/.exec(body)?.[1];
  if (!href) return null;
  const u = new URL(href.replace(/&amp;/g, '&'));
  return `${u.pathname}${u.search}`;
}

/** Ids of every item (or story, for /stories.json and /) from `path` to the last page. */
async function walkAll(path: string): Promise<{ ids: string[]; pages: string[] }> {
  const ids: string[] = [];
  const pages: string[] = [];
  let next: string | null = path;
  while (next) {
    expect(pages, `next link repeats ${next}`).not.toContain(next);
    pages.push(next);
    const res = await call(next);
    expect(res.status, next).toBe(200);
    const body = await res.text();
    const p = new URL(next, BASE).pathname;
    if (p === '/stories.json') ids.push(...JSON.parse(body).stories.map((s: any) => s.id));
    else if (p === '/') ids.push(...[...body.matchAll(/<article class="story" aria-labelledby="h-([^"]+)"/g)].map((m) => m[1]));
    else ids.push(...entryIds(next, body));
    next = nextOf(next, body);
    if (pages.length > 200) throw new Error('too many pages');
  }
  return { ids, pages };
}

/** Call the Worker with a URL on another host than the test BASE. */
async function callUrl(url: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(url, init), env as never, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

let ALL: any[] = [];

beforeAll(async () => {
  const listed = await kv().list();
  await Promise.all(listed.keys.map((k) => kv().delete(k.name)));
  resetMemo();
  await resetFixtures();
  expect((await putSources(sources())).status).toBe(200);
  await runCron(T0);
  ALL = (await json('/feed.json?limit=500&dedupe=false')).items;
  expect(ALL.length).toBe(48);
});

describe('content types and HEAD', () => {
  it('serves every public endpoint with its media type and charset=utf-8', async () => {
    for (const path of [...LIST_PATHS, '/sources.opml', '/feed.json?category=news', '/feed.xml?source=nyt', '/?q=ukraine']) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(typeOf(path));
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      const body = await res.text();
      if (path.includes('.json')) expect(responseSchemaErrors(schemaForResponse(path, 200), JSON.parse(body)), path).toEqual([]);
      if (/\.(xml|atom|opml)/.test(path)) expect(XMLValidator.validate(body), path).toBe(true);
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    for (const path of [...LIST_PATHS, '/sources.opml', '/feed.atom?category=tech&limit=3']) {
      const get = await call(path);
      const head = await call(path, { method: 'HEAD' });
      expect(head.status, path).toBe(200);
      expect((await head.arrayBuffer()).byteLength, path).toBe(0);
      for (const [name, value] of get.headers) {
        if (name === 'content-length' || name === 'x-marquee-view') continue;
        expect(head.headers.get(name), `${path} ${name}`).toBe(value);
      }
      expect(get.headers.get('etag')).toBeTruthy();
    }
  });
});

describe('content', () => {
  it('has only absolute URLs and no script in what it serves from real feeds (W3C: ContainsRelRef, SecurityRisk)', async () => {
    const htmlOf = async (path: string): Promise<string[]> => {
      const body = await (await call(path)).text();
      if (path.startsWith('/feed.json')) return JSON.parse(body).items.flatMap((i: any) => [i.content_html ?? '']);
      // RSS and Atom carry the HTML escaped: unescape what the elements hold.
      return [...body.matchAll(/<(description|content:encoded|summary type="html"|content type="html")>([\s\S]*?)<\//g)].map((m) =>
        m[2].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
    };
    let refs = 0;
    for (const path of ['/feed.json?limit=500&dedupe=false', '/feed.xml?limit=500&dedupe=false', '/feed.atom?limit=500&dedupe=false']) {
      const fragments = await htmlOf(path);
      expect(fragments.length, path).toBeGreaterThan(40);
      for (const html of fragments) {
        expect(html).not.toMatch(/<script|javascript:|\son[a-z]+=/i);
        for (const m of html.matchAll(/\s(?:href|src|poster|cite)="([^"]*)"/g)) {
          refs++;
          expect(m[1], path).toMatch(/^(https?:\/\/|mailto:)/);
        }
      }
    }
    expect(refs).toBeGreaterThan(50);
  });
});

describe('conditional GET', () => {
  it('uses a strong ETag derived from the stored version, and Last-Modified from the run', async () => {
    const views = (await kv().get<ViewsRecord>(VIEWS_KEY, 'json'))!;
    expect(views.renderVersion).toBe(RENDER_VERSION);
    const etags = new Set<string>();
    for (const path of [...LIST_PATHS, '/feed.json?source=nyt']) {
      const a = await call(path);
      resetMemo();
      const b = await call(`${path}`);
      const etag = a.headers.get('etag')!;
      expect(etag, path).toMatch(new RegExp(`^"m${RENDER_VERSION}\\.${views.rev}-[0-9a-z]+\\.`));
      expect(b.headers.get('etag'), `${path} stable across isolates' memo`).toBe(etag);
      expect(a.headers.get('last-modified')).toBe(T0.toUTCString());
      etags.add(`${new URL(path, BASE).pathname}|${etag}`);
    }
    // One tag per format: /feed.json and its filtered view are different resources of the same version.
    expect(new Set([...etags].map((e) => e.split('|')[1])).size).toBe(LIST_PATHS.length);
  });

  it('answers 304 with no body to If-None-Match (strong, weak, lists, *) and If-Modified-Since', async () => {
    for (const path of [...LIST_PATHS, '/sources.opml', '/feed.json?category=news', '/feed.atom?source=nyt&limit=2', '/?category=tech']) {
      const first = await call(path);
      const etag = first.headers.get('etag')!;
      const lm = first.headers.get('last-modified')!;
      for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
        const res = await call(path, { headers: { 'If-None-Match': inm } });
        expect(res.status, `${path} INM ${inm}`).toBe(304);
        expect(await res.text()).toBe('');
        expect(res.headers.get('etag')).toBe(etag);
        expect(res.headers.get('cache-control')).toMatch(/max-age=/);
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('content-type')).toBeNull();
      }
      expect((await call(path, { headers: { 'If-Modified-Since': lm } })).status, `${path} IMS`).toBe(304);
      const later = new Date(Date.parse(lm) + 3_600_000).toUTCString();
      expect((await call(path, { headers: { 'If-Modified-Since': later } })).status).toBe(304);
      const earlier = new Date(Date.parse(lm) - 1000).toUTCString();
      expect((await call(path, { headers: { 'If-Modified-Since': earlier } })).status, `${path} older IMS`).toBe(200);
      // RFC 9110 §13.1.3: with If-None-Match present, If-Modified-Since is ignored.
      const res = await call(path, { headers: { 'If-None-Match': '"other"', 'If-Modified-Since': later } });
      expect(res.status, `${path} INM mismatch wins`).toBe(200);
      expect((await res.text()).length).toBeGreaterThan(100);
      // A HEAD revalidates the same way.
      expect((await call(path, { method: 'HEAD', headers: { 'If-None-Match': etag } })).status).toBe(304);
    }
  });
});

describe('caching', () => {
  it('ties Cache-Control to the cron interval, with stale-while-revalidate', async () => {
    // CRON_INTERVAL_MINUTES = 15 (wrangler.toml): fresh for a third, stale-while-revalidate for the rest.
    for (const path of [...LIST_PATHS, '/sources.opml', '/feed.xml?q=ukraine']) {
      const res = await call(path);
      expect(res.headers.get('cache-control'), path).toBe('public, max-age=300, stale-while-revalidate=900, stale-if-error=86400');
      expect(res.headers.get('vary')).toBe('Accept-Encoding');
    }
  });

  it('serves the default views from the pre-rendered record, never rendering them per request', async () => {
    const raw = (await kv().get(VIEWS_KEY))!;
    const views = JSON.parse(raw) as ViewsRecord;
    expect(Object.keys(views.formats).sort()).toEqual(['atom', 'html', 'json', 'rss', 'stories', 'storiesAtom', 'storiesJson', 'storiesRss']);
    // Mark the stored body: a request that rendered instead would not carry the mark.
    const marked = { ...views, formats: { ...views.formats, rss: views.formats.rss.replace('<generator>Marquee</generator>', '<generator>Marquee (pre-rendered)</generator>') } };
    await kv().put(VIEWS_KEY, JSON.stringify(marked));
    resetMemo();
    try {
      const res = await call('/feed.xml');
      expect(res.headers.get('x-marquee-view')).toBe('default');
      const body = await res.text();
      expect(await (await call('/feed.xml')).text()).toBe(body);
      expect(body).toContain('<generator>Marquee (pre-rendered)</generator>');
      // The placeholder origin was replaced by this request's.
      expect(body).toContain(`<atom:link rel="self" type="application/rss+xml" href="${BASE}/feed.xml"/>`);
      expect(body).not.toContain('marquee.invalid');
      // A query string, even an ignored one, is not the default view: the self link must echo it.
      const q = await call('/feed.xml?utm_source=newsletter');
      expect(q.headers.get('x-marquee-view')).toBe('rendered');
      const qBody = await q.text();
      expect(qBody).toContain(`href="${BASE}/feed.xml?utm_source=newsletter"`);
      expect(entryIds('/feed.xml', qBody)).toEqual(entryIds('/feed.xml', body));

      // A record written by another renderer version is not served.
      await kv().put(VIEWS_KEY, JSON.stringify({ ...marked, renderVersion: RENDER_VERSION - 1 }));
      resetMemo();
      const old = await call('/feed.xml');
      expect(old.headers.get('x-marquee-view')).not.toBe('default');
      expect(await old.text()).not.toContain('pre-rendered');
    } finally {
      await kv().put(VIEWS_KEY, raw);
      resetMemo();
    }
  });

  it('keeps filtered views in the Cache API, keyed by the stored version', async () => {
    const path = '/feed.json?category=tech&limit=4';
    const first = await call(path);
    expect(first.headers.get('x-marquee-view')).toBe('rendered');
    const body = await first.text();
    const again = await call(path);
    expect(again.headers.get('x-marquee-view')).toBe('memo');
    // The memoized bytes are the same object for every response (and were handed to the Cache API too).
    expect(await again.text()).toBe(body);
    expect(await (await call(path)).text()).toBe(body);
    // A fresh isolate's memo is empty; the Cache API still has it.
    resetMemo();
    const cached = await call(path);
    expect(cached.headers.get('x-marquee-view')).toBe('cache');
    expect(await cached.text()).toBe(body);
    expect(cached.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(cached.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    // The exact query is part of the key: another spelling is another entry (its self link differs).
    const other = await call('/feed.json?limit=4&category=tech');
    expect(other.headers.get('x-marquee-view')).toBe('rendered');
    expect((await other.json() as any).feed_url).toBe(`${BASE}/feed.json?limit=4&category=tech`);
  });
});

describe('CORS', () => {
  it('allows any origin on the public read endpoints, errors included', async () => {
    for (const path of [...LIST_PATHS, '/sources.opml', '/feed.json?limit=0', '/feed.json?source=nyt']) {
      const res = await call(path, { headers: { Origin: 'https://someone-else.example' } });
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('access-control-expose-headers')).toContain('ETag');
    }
  });

  it('answers a preflight on public endpoints and 405s other methods', async () => {
    for (const path of [...LIST_PATHS, '/sources.opml']) {
      const res = await call(path, { method: 'OPTIONS', headers: { Origin: 'https://x.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match' } });
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
      expect(res.headers.get('access-control-allow-headers')).toContain('If-None-Match');
      expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      const post = await call(path, { method: 'POST', body: 'x' });
      expect(post.status, path).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      expect(responseSchemaErrors('error', await post.json())).toEqual([]);
    }
  });

  it('never sends CORS headers from /admin/*', async () => {
    const cases: Array<[string, RequestInit & { admin?: boolean }]> = [
      ['/admin/sources', { admin: true }],
      ['/admin/sources', {}],
      ['/admin/sources', { method: 'OPTIONS', headers: { Origin: 'https://x.example', 'Access-Control-Request-Method': 'PUT' } }],
    ];
    for (const [path, init] of cases) {
      const res = await call(path, { ...init, headers: { Origin: 'https://x.example', ...(init.headers as Record<string, string>) } });
      expect(res.headers.get('access-control-allow-origin'), `${init.method ?? 'GET'} ${path}`).toBeNull();
    }
  });
});

describe('filters', () => {
  const categoryOf: Record<string, string> = Object.fromEntries(sources().map((s) => [s.id, s.category]));
  const hay = (i: any) => `${i.title} ${i.summary ?? ''}`.toLowerCase();

  /** What a filtered list must contain, computed from the unfiltered, undeduped list the API served. */
  function expected(pred: (i: any) => boolean, dedupe = true): string[] {
    const hits = ALL.filter(pred);
    const ids = new Set(hits.map((i) => i.id));
    return hits.filter((i) => !dedupe || !i._marquee.duplicate_of || !ids.has(i._marquee.duplicate_of)).map((i) => i.id);
  }

  it('applies each filter identically on JSON Feed, RSS and Atom', async () => {
    const story = ALL.find((i) => i._marquee.duplicates.length)._marquee.story.id;
    const since = '2022-04-05T00:00:00Z';
    const until = '2022-04-06T00:00:00Z';
    const cases: Array<[string, (i: any) => boolean, boolean?]> = [
      ['source=nyt', (i) => i._marquee.source.id === 'nyt'],
      ['source=nyt&source=guardian', (i) => ['nyt', 'guardian'].includes(i._marquee.source.id)],
      ['source=nyt,guardian', (i) => ['nyt', 'guardian'].includes(i._marquee.source.id)],
      ['source=bbc-mirror', (i) => i._marquee.source.id === 'bbc-mirror'],
      ['source=no-such-source', () => false],
      ['category=tech', (i) => categoryOf[i._marquee.source.id] === 'tech'],
      ['category=NEWS', (i) => categoryOf[i._marquee.source.id] === 'news'],
      ['q=ukraine', (i) => hay(i).includes('ukraine')],
      ['q=Russia%20ukraine', (i) => hay(i).includes('russia') && hay(i).includes('ukraine')],
      [`story=${story}`, (i) => i._marquee.story.id === story],
      [`since=${since}`, (i) => Date.parse(i.date_published) >= Date.parse(since)],
      [`since=${since}&until=${until}`, (i) => Date.parse(i.date_published) >= Date.parse(since) && Date.parse(i.date_published) < Date.parse(until)],
      ['dedupe=false', () => true, false],
      ['category=news&dedupe=false', (i) => categoryOf[i._marquee.source.id] === 'news', false],
      ['category=news&q=ukraine&since=2022-01-01T00:00:00%2B01:00', (i) => categoryOf[i._marquee.source.id] === 'news' && hay(i).includes('ukraine') && Date.parse(i.date_published) >= Date.parse('2022-01-01T00:00:00+01:00')],
    ];
    for (const [query, pred, dedupe] of cases) {
      const want = expected(pred, dedupe ?? true);
      const byFormat: Record<string, string[]> = {};
      for (const base of ['/feed.json', '/feed.xml', '/feed.atom']) {
        const path = `${base}?${query}&limit=500`;
        const res = await call(path);
        expect(res.status, path).toBe(200);
        byFormat[base] = entryIds(path, await res.text());
      }
      expect(byFormat['/feed.json'].slice().sort(), query).toEqual(want.slice().sort());
      expect(byFormat['/feed.xml'], `${query} RSS`).toEqual(byFormat['/feed.json']);
      expect(byFormat['/feed.atom'], `${query} Atom`).toEqual(byFormat['/feed.json']);
    }
  });

  it('limits the page size, caps it at 500, and ignores unknown parameters', async () => {
    expect((await json('/feed.json?limit=3')).items).toHaveLength(3);
    expect((await json('/feed.json?limit=100000&dedupe=false')).items).toHaveLength(48);
    const plain = entryIds('/feed.xml', await (await call('/feed.xml')).text());
    const noisy = entryIds('/feed.xml', await (await call('/feed.xml?utm_source=x&fbclid=y&page=7')).text());
    expect(noisy).toEqual(plain);
  });

  it('filters /stories.json and the page the same way', async () => {
    for (const query of ['source=nyt', 'category=tech', 'q=ukraine', 'since=2022-04-05T00:00:00Z']) {
      const stories: any = await json(`/stories.json?${query}&limit=500`);
      expect(responseSchemaErrors('stories', stories)).toEqual([]);
      const items = (await json(`/feed.json?${query}&limit=500&dedupe=false`)).items;
      const wanted = new Set(items.map((i: any) => i._marquee.story.id));
      expect(new Set(stories.stories.map((s: any) => s.id)), query).toEqual(wanted);
      const page = await (await call(`/?${query}&limit=500`)).text();
      expect(page.match(/<article class="story"/g)?.length ?? 0, query).toBe(stories.stories.length);
    }
  });

  it('rejects each invalid value with a 400 naming the parameter, on every list endpoint', async () => {
    const bad: Array<[string, string]> = [
      ['limit=abc', 'limit'], ['limit=0', 'limit'], ['limit=-3', 'limit'], ['limit=2.5', 'limit'],
      ['since=yesterday', 'since'], ['since=2026-13-01T00:00:00Z', 'since'], ['until=2026-11-26T25:00:00Z', 'until'], ['until=2026-02-30T00:00:00Z', 'until'],
      ['since=2026-11-27T00:00:00Z&until=2026-11-26T00:00:00Z', 'since'],
      ['dedupe=maybe', 'dedupe'], ['cursor=%25%25%25', 'cursor'],
      ['source=not%20an%20id', 'source'], [`source=${'x'.repeat(65)}`, 'source'],
      [`category=${'c'.repeat(65)}`, 'category'], ['story=%3Cscript%3E', 'story'], [`q=${'w'.repeat(201)}`, 'q'],
    ];
    for (const [query, param] of bad) {
      for (const path of ['/feed.json', '/feed.xml', '/feed.atom', '/stories.json']) {
        const res = await call(`${path}?${query}`);
        expect(res.status, `${path}?${query}`).toBe(400);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const body: any = await res.json();
        expect(responseSchemaErrors('error', body)).toEqual([]);
        expect(body.error.code).toBe('INVALID_QUERY');
        expect(body.error.param, `${path}?${query}`).toBe(param);
      }
      const page = await call(`/?${query}`);
      expect(page.status).toBe(400);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain(`Invalid ${param}`);
    }
  });
});

describe('pagination', () => {
  it('visits every item exactly once in every format, with and without filters', async () => {
    for (const query of ['', 'category=news&', 'dedupe=false&', 'q=the&']) {
      const full = (await json(`/feed.json?${query}limit=500`)).items.map((i: any) => i.id);
      for (const base of ['/feed.json', '/feed.xml', '/feed.atom']) {
        const { ids, pages } = await walkAll(`${base}?${query}limit=7`);
        expect(ids, `${base}?${query}`).toEqual(full);
        expect(pages.length).toBe(Math.max(1, Math.ceil(full.length / 7)));
      }
      const stories = (await json(`/stories.json?${query}limit=500`)).stories.map((s: any) => s.id);
      for (const base of ['/stories.json', '/', '/stories.xml', '/stories.atom', '/stories.feed.json']) {
        const { ids } = await walkAll(`${base}?${query}limit=6`);
        expect(ids, `${base}?${query}`).toEqual(stories);
      }
    }
  });

  it('keeps the remaining pages stable when new entries arrive mid-walk', async () => {
    const first = await call('/feed.json?limit=10&dedupe=false');
    const page1: any = await first.json();
    // A new source with fresh items arrives before the client asks for page 2.
    await setDynamicFeed('breaking.xml', rssWith([{ guid: 'b1', title: 'Breaking: a new item', date: '2026-11-26T08:10:00Z' }]));
    expect((await putSources([...sources(), { id: 'breaking', url: `${fixtureOrigin()}/dyn/breaking.xml`, title: 'Breaking', category: 'news' }])).status).toBe(200);
    await runCron(new Date(T0.getTime() + 15 * 60_000));
    const seen = page1.items.map((i: any) => i.id);
    let next = nextOf('/feed.json', JSON.stringify(page1));
    while (next) {
      const doc: any = await json(next);
      seen.push(...doc.items.map((i: any) => i.id));
      next = nextOf('/feed.json', JSON.stringify(doc));
    }
    expect(seen.slice().sort()).toEqual(ALL.map((i) => i.id).sort());
  });
});

describe('after a run that changed the catalog', () => {
  it('has new validators, so old ones get the new body, and pre-rendered views again', async () => {
    // The previous test stored one more entry at T0 + 15 min.
    const fresh = await call('/feed.json');
    expect(fresh.headers.get('x-marquee-view')).toBe('default');
    expect(fresh.headers.get('last-modified')).toBe(new Date(T0.getTime() + 15 * 60_000).toUTCString());
    const doc: any = await fresh.json();
    expect(doc.items[0].title).toBe('Breaking: a new item');
    const old = await call('/feed.json', { headers: { 'If-Modified-Since': T0.toUTCString() } });
    expect(old.status).toBe(200);
    for (const path of ['/feed.json', '/feed.xml', '/feed.atom', '/feed.json?category=news']) {
      const etag = (await call(path)).headers.get('etag')!;
      resetMemo();
      const views = (await kv().get<ViewsRecord>(VIEWS_KEY, 'json'))!;
      expect(etag).toContain(`.${views.rev}-`);
      const res = await call(path, { headers: { 'If-None-Match': etag.replace(`.${views.rev}-`, `.${views.rev - 1}-`) } });
      expect(res.status, path).toBe(200);
    }
  });

  it('writes no views when a run changed nothing', async () => {
    const before = await kv().get(VIEWS_KEY);
    await setDynamicFeed('breaking.xml', rssWith([{ guid: 'b1', title: 'Breaking: a new item', date: '2026-11-26T08:10:00Z' }]));
    await runCron(new Date(T0.getTime() + 30 * 60_000));
    expect(await kv().get(VIEWS_KEY)).toBe(before);
  });
});

describe('other routes', () => {
  it('exports the source list as OPML 2.0 with validators', async () => {
    const res = await call('/sources.opml');
    const body = await res.text();
    expect(XMLValidator.validate(body)).toBe(true);
    const urls = [...body.matchAll(/xmlUrl="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    expect(urls.sort()).toEqual([...sources().map((s) => s.url), `${fixtureOrigin()}/dyn/breaking.xml`].sort());
    expect(res.headers.get('etag')).toMatch(/^"m\d+\.opml\./);
    expect((await call('/sources.opml', { headers: { 'If-None-Match': res.headers.get('etag')! } })).status).toBe(304);
  });

  it('serves the benchmark floors only to loopback hosts', async () => {
    expect((await call('/__floor')).status).toBe(404);
    expect((await call('/__floor.html')).status).toBe(404);
    const res = await callUrl('http://127.0.0.1:8787/__floor');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
    const html = await callUrl('http://localhost:8787/__floor.html');
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });
});

function rssWith(items: Array<{ guid: string; title: string; date: string }>): string {
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Breaking</title><link>https://breaking.example/</link><description>x</description>${items
    .map((i) => `<item><guid isPermaLink="false">${i.guid}</guid><title>${i.title}</title><link>https://breaking.example/${i.guid}</link><pubDate>${new Date(i.date).toUTCString()}</pubDate><description>About ${i.title}</description></item>`)
    .join('')}</channel></rss>`;
}
