/**
 * newsboat (Debian, 2.21) subscribes to Marquee's RSS and Atom URLs on a
 * running `wrangler dev` and reloads them (`newsboat -x reload`) with a
 * throwaway config, URL file, cache and HOME. Its SQLite cache, read with
 * Python's sqlite3, must then hold every item the JSON Feed lists for the same
 * query, each with its title, link and date; `-x print-unread` must count them.
 *
 * newsboat keys items by guid across all feeds of one cache, and Marquee's
 * guids are the same in every format, so each URL gets a cache of its own.
 * (newsboat 2.21 does not read JSON Feed.)
 *
 * On the real-feed set (real-feeds.ts, when ../shared is there) it must also
 * see every enclosure of the Off Menu podcast, through RSS and Atom alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { feedPath, getJson, origin } from './queries';
import { NEWSBOAT, PYTHON, run } from './tools';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface CachedItem {
  guid: string;
  title: string;
  url: string;
  pubDate: number;
  author: string;
  feedurl: string;
  enclosure_url: string;
  enclosure_type: string;
}

const READ_CACHE = `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = ("guid", "title", "url", "pubDate", "author", "feedurl", "enclosure_url", "enclosure_type")
items = [dict(zip(cols, r)) for r in db.execute("SELECT " + ", ".join(cols) + " FROM rss_item ORDER BY id")]
feeds = [dict(zip(("rssurl", "title", "url"), r)) for r in db.execute("SELECT rssurl, title, url FROM rss_feed")]
json.dump({"items": items, "feeds": feeds}, sys.stdout)
`;

/** Subscribe a fresh newsboat to one URL, reload, and return what it stored and counted. */
async function newsboat(url: string): Promise<{ items: CachedItem[]; feeds: Array<{ rssurl: string; title: string; url: string }>; unread: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'marquee-newsboat-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'urls'), `${url}\n`);
  // Defaults, except: no limit on kept items, and fail loudly instead of silently.
  writeFileSync(join(dir, 'config'), 'max-items 0\nshow-read-feeds yes\n');
  const args = ['-u', join(dir, 'urls'), '-c', join(dir, 'cache.db'), '-C', join(dir, 'config')];
  const env = { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8', TERM: 'dumb' };
  const reload = await run(NEWSBOAT, [...args, '-x', 'reload'], { env, cwd: dir, timeoutMs: 60_000 });
  expect(reload.code, `newsboat -x reload ${url}: ${reload.stderr}${reload.stdout}`).toBe(0);
  expect(reload.stderr + reload.stdout, url).not.toMatch(/error/i);
  const unread = await run(NEWSBOAT, [...args, '-x', 'print-unread'], { env, cwd: dir, timeoutMs: 60_000 });
  expect(unread.code, unread.stderr).toBe(0);
  const m = /^(\d+) unread articles?/m.exec(unread.stdout);
  expect(m, `print-unread said: ${unread.stdout}`).not.toBeNull();
  const cache = await run(PYTHON, ['-c', READ_CACHE, join(dir, 'cache.db')]);
  expect(cache.code, cache.stderr).toBe(0);
  return { ...JSON.parse(cache.stdout), unread: Number(m![1]) };
}

/** What a terminal reader shows for a title: newsboat collapses whitespace. */
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('newsboat subscribes to the RSS and Atom feeds and reloads them', () => {
  it('is the Debian newsboat', async () => {
    const v = await run(NEWSBOAT, ['-v'], { env: { PATH: process.env.PATH, HOME: tmpdir() } });
    expect(v.stdout).toMatch(/^newsboat \d+\.\d+/);
  });

  const queries = ['', 'dedupe=false&limit=500', 'category=news', 'q=ukraine', 'source=verge,inessential'];
  for (const fmt of ['rss', 'atom'] as const) {
    for (const query of queries) {
      const path = feedPath(fmt, query);
      it(`shows every item of ${path} with title, link and date`, async () => {
        const expected = (await getJson(feedPath('json', query))).items as any[];
        expect(expected.length).toBeGreaterThan(0);
        const url = `${origin()}${path}`;
        const got = await newsboat(url);
        expect(got.feeds).toHaveLength(1);
        expect(got.feeds[0].title).toMatch(/^Marquee: entertainment news/);
        expect(got.items.length, url).toBe(expected.length);
        expect(got.unread).toBe(expected.length);
        const byGuid = new Map(got.items.map((i) => [i.guid, i]));
        for (const item of expected) {
          const row = byGuid.get(`tag:marquee,2026:entry:${item.id}`);
          expect(row, `${url}: ${item.id} missing`).toBeDefined();
          expect(row!.feedurl).toBe(url);
          expect(squash(row!.title)).toBe(squash(item.title));
          expect(row!.url).toBe(item.url);
          expect(row!.pubDate, `${item.id} date`).toBe(Math.floor(Date.parse(item.date_published) / 1000));
        }
      });
    }
  }
});

describe('newsboat subscribes to the story feeds and reloads them', () => {
  for (const path of ['/stories.xml', '/stories.atom', '/stories.xml?sort=latest&limit=500', '/stories.atom?category=news']) {
    it(`shows every story of ${path} with its headline, link and date`, async () => {
      const query = path.split('?')[1] ?? '';
      const expected = (await getJson(`/stories.feed.json${query ? `?${query}` : ''}`)).items as any[];
      expect(expected.length).toBeGreaterThan(0);
      const url = `${origin()}${path}`;
      const got = await newsboat(url);
      expect(got.feeds[0].title).toMatch(/^Marquee: top stories/);
      expect(got.items.length, url).toBe(expected.length);
      expect(got.unread).toBe(expected.length);
      const byGuid = new Map(got.items.map((i) => [i.guid, i]));
      for (const item of expected) {
        const row = byGuid.get(`tag:marquee,2026:story:${item.id}`);
        expect(row, `${url}: story ${item.id} missing`).toBeDefined();
        expect(squash(row!.title)).toBe(squash(item.title));
        expect(row!.url).toBe(item.url ?? '');
        // newsboat dates an item by its first report (RSS pubDate, Atom published), not by Atom's updated.
        expect(row!.pubDate, `${item.id} date`).toBe(Math.floor(Date.parse(item.date_published) / 1000));
      }
    });
  }
});

const realOrigin = inject('realOrigin');

describe.skipIf(!realOrigin)('newsboat sees every enclosure of a real podcast feed (Off Menu, 207 episodes)', () => {
  for (const fmt of ['rss', 'atom'] as const) {
    const path = feedPath(fmt, 'source=off-menu&limit=500');
    it(`${path}: every episode with its audio file`, async () => {
      const res = await fetch(`${realOrigin}${feedPath('json', 'source=off-menu&limit=500')}`);
      const expected = ((await res.json()) as any).items as any[];
      expect(expected.length).toBe(207);
      const got = await newsboat(`${realOrigin}${path}`);
      const byGuid = new Map(got.items.map((i) => [i.guid, i]));
      let seen = 0;
      for (const item of expected) {
        const [audio] = item.attachments;
        expect(audio.mime_type).toBe('audio/mpeg');
        const row = byGuid.get(`tag:marquee,2026:entry:${item.id}`)!;
        expect(row.enclosure_url, item.id).toBe(audio.url);
        expect(row.enclosure_type).toBe('audio/mpeg');
        seen++;
      }
      console.log(`newsboat ${path}: ${seen} of ${expected.length} enclosures`);
      expect(seen).toBe(207);
    });
  }
});
