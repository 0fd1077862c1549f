/**
 * Python's feedparser (Debian python3-feedparser 6.0) reads Marquee's RSS and
 * Atom, fetched over HTTP from `wrangler dev`, for every filter combination and
 * every page: no bozo flag, the right version, self links equal to the URL
 * fetched, and every entry the JSON Feed has for the same query, with title,
 * link, date, authors, tags, thumbnail and origin source. A second fetch with
 * the validators of the first gets a 304, as a reader's next poll would.
 * (feedparser 6.0 does not read JSON Feed; test/clients/jsonschema covers it.)
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './dev-server';
import { allPages, feedPath, filterQueries, getJson, origin } from './queries';
import { PYTHON, run } from './tools';

interface Report {
  url: string;
  bozo: boolean;
  bozo_exception: string | null;
  version: string;
  status: number;
  content_type: string;
  encoding: string;
  feed_links: Array<{ rel: string; href: string; type?: string }>;
  feed_id: string | null;
  feed_updated: number | null;
  entries: Array<{
    id: string; title: string; link: string | null; published: number | null; updated: number | null; authors: string[]; tags: string[];
    thumbnail: string[]; source_title: string | null; source_href: string | null; source_links: string[]; summary_type: string | null; content_types: string[];
  }>;
  revalidate_status: number;
  revalidate_entries: number;
}

async function feedparser(urls: string[]): Promise<Map<string, Report>> {
  const res = await run(PYTHON, [join(ROOT, 'test', 'clients', 'feedparser_check.py')], { input: JSON.stringify(urls), timeoutMs: 170_000 });
  if (res.code !== 0) throw new Error(`feedparser_check.py exited ${res.code}: ${res.stderr}`);
  if (/No module named .?feedparser/.test(res.stderr)) throw new Error('python3-feedparser is missing: apt-get install -y python3-feedparser');
  const reports = JSON.parse(res.stdout) as Report[];
  return new Map(reports.map((r) => [r.url, r]));
}

/** Each query with all its pages: [query of this page, JSON items of this page]. */
let pages: Array<{ query: string; items: any[] }> = [];
let reports: Map<string, Report>;

beforeAll(async () => {
  const version = await run(PYTHON, ['-c', 'import feedparser; print(feedparser.__version__)']);
  expect(version.code, `python3-feedparser is missing: apt-get install -y python3-feedparser\n${version.stderr}`).toBe(0);
  expect(version.stdout.trim()).toMatch(/^6\./);
  for (const query of await filterQueries()) {
    // Small pages as well as the first page, so cursors and rel=next are read too.
    for (const q of [query, query.includes('limit=') ? null : `${query ? `${query}&` : ''}limit=9`]) {
      if (q === null) continue;
      const { docs, paths } = await allPages(feedPath('json', q), 'items');
      docs.forEach((doc, i) => pages.push({ query: new URL(paths[i], 'http://x').search.slice(1), items: doc.items }));
    }
  }
  // Next links are canonical, so different first pages can share later pages: read each once.
  pages = [...new Map(pages.map((p) => [p.query, p])).values()];
  const urls = pages.flatMap(({ query }) => [`${origin()}${feedPath('rss', query)}`, `${origin()}${feedPath('atom', query)}`]);
  reports = await feedparser(urls);
}, 180_000);

describe('feedparser reads RSS and Atom without a warning', () => {
  it('covers every filter combination and every page', () => {
    expect(pages.length).toBeGreaterThan(25);
    expect(reports.size).toBe(pages.length * 2);
    expect(pages.some((p) => p.query.includes('cursor='))).toBe(true);
  });

  for (const fmt of ['rss', 'atom'] as const) {
    it(`${fmt}: bozo false, version, content type and self link for every URL`, () => {
      for (const { query } of pages) {
        const url = `${origin()}${feedPath(fmt, query)}`;
        const r = reports.get(url)!;
        expect(r.bozo, `${url}: ${r.bozo_exception}`).toBe(false);
        expect(r.status, url).toBe(200);
        expect(r.version, url).toBe(fmt === 'rss' ? 'rss20' : 'atom10');
        expect(r.content_type).toBe(fmt === 'rss' ? 'application/rss+xml; charset=utf-8' : 'application/atom+xml; charset=utf-8');
        expect(r.encoding.toLowerCase()).toBe('utf-8');
        const self = r.feed_links.find((l) => l.rel === 'self');
        expect(self?.href, url).toBe(url);
        expect(r.feed_updated, url).not.toBeNull();
        // A reader's next poll, with the validators it was given: 304, nothing to parse.
        expect(r.revalidate_status, url).toBe(304);
        expect(r.revalidate_entries).toBe(0);
      }
    });

    it(`${fmt}: every entry of the JSON Feed, with title, link, date, authors, tags, thumbnail and source`, () => {
      const tag = (id: string) => `tag:marquee,2026:entry:${id}`;
      for (const { query, items } of pages) {
        const url = `${origin()}${feedPath(fmt, query)}`;
        const r = reports.get(url)!;
        expect(r.entries.map((e) => e.id), url).toEqual(items.map((i) => tag(i.id)));
        r.entries.forEach((e, n) => {
          const item = items[n];
          expect(e.title, `${url} #${n}`).toBe(item.title);
          expect(e.link ?? null).toBe(item.url ?? null);
          expect(e.published, `${url} ${e.id}`).toBe(Math.floor(Date.parse(item.date_published) / 1000));
          expect(e.authors).toEqual((item.authors ?? []).map((a: any) => a.name));
          expect(e.tags).toEqual(item.tags ?? []);
          expect(e.thumbnail).toEqual(item.image ? [item.image] : []);
          expect(e.source_title).toBe(item._marquee.source.title);
          if (fmt === 'rss') expect(e.source_href).toBe(item._marquee.source.feed_url);
          else expect(e.source_links).toContain(item._marquee.source.feed_url);
          if (fmt === 'atom') {
            // A plain-text summary only where the entry has no text at all: its title (atom.ts).
            if (e.summary_type === 'text/plain') expect(item.content_text, e.id).toBe(item.title);
            else expect(e.summary_type ?? 'text/html').toBe('text/html');
            for (const t of e.content_types) expect(t).toBe('text/html');
          }
        });
      }
    });
  }

  it('reads the same entries from RSS, Atom and JSON Feed for the default view', async () => {
    const json = await getJson('/feed.json');
    const rss = reports.get(`${origin()}/feed.xml`)!;
    const atom = reports.get(`${origin()}/feed.atom`)!;
    expect(rss.entries.length).toBe(json.items.length);
    expect(atom.entries.map((e) => e.id)).toEqual(rss.entries.map((e) => e.id));
  });
});

/** The story feeds' paths for a query and format. */
const storyPath = (fmt: 'json' | 'rss' | 'atom', query: string) => `${{ json: '/stories.feed.json', rss: '/stories.xml', atom: '/stories.atom' }[fmt]}${query ? `?${query}` : ''}`;

describe('feedparser reads the story feeds without a warning', () => {
  let storyPages: Array<{ query: string; items: any[] }> = [];
  let storyReports: Map<string, Report>;

  beforeAll(async () => {
    for (const query of ['', 'limit=4', 'sort=latest&limit=7', 'category=news', 'source=nyt', 'q=ukraine', 'dedupe=false']) {
      const { docs, paths } = await allPages(storyPath('json', query), 'items');
      docs.forEach((doc, i) => storyPages.push({ query: new URL(paths[i], 'http://x').search.slice(1), items: doc.items }));
    }
    storyPages = [...new Map(storyPages.map((p) => [p.query, p])).values()];
    storyReports = await feedparser(storyPages.flatMap(({ query }) => [`${origin()}${storyPath('rss', query)}`, `${origin()}${storyPath('atom', query)}`]));
  }, 180_000);

  it('reads every query and page of /stories.xml and /stories.atom', () => {
    expect(storyPages.length).toBeGreaterThan(10);
    expect(storyPages.some((p) => p.query.includes('cursor='))).toBe(true);
    expect(storyPages.reduce((n, p) => n + p.items.length, 0)).toBeGreaterThan(50);
  });

  for (const fmt of ['rss', 'atom'] as const) {
    it(`${fmt}: bozo false, one entry per story with its id, headline, link and dates`, () => {
      for (const { query, items } of storyPages) {
        const url = `${origin()}${storyPath(fmt, query)}`;
        const r = storyReports.get(url)!;
        expect(r.bozo, `${url}: ${r.bozo_exception}`).toBe(false);
        expect(r.version).toBe(fmt === 'rss' ? 'rss20' : 'atom10');
        expect(r.feed_links.find((l) => l.rel === 'self')?.href).toBe(url);
        expect(r.revalidate_status, url).toBe(304);
        expect(r.entries.map((e) => e.id), url).toEqual(items.map((i) => `tag:marquee,2026:story:${i.id}`));
        r.entries.forEach((e, n) => {
          const item = items[n];
          expect(e.title).toBe(item.title);
          expect(e.link ?? null).toBe(item.url ?? null);
          expect(e.published, e.id).toBe(Math.floor(Date.parse(item.date_published) / 1000));
          // Atom carries the story's updated (it moves when coverage grows); RSS has one date.
          if (fmt === 'atom') {
            expect(e.updated, e.id).toBe(Math.floor(Date.parse(item.date_modified) / 1000));
            expect(e.authors).toEqual(item.authors.map((a: any) => a.name));
          }
        });
      }
    });
  }
});
