/**
 * The foundation end to end, inside workerd with real local KV and real HTTP:
 * an admin points Marquee at feeds on the fixture server, the cron runs, and
 * every public endpoint serves what was ingested. Tests in this file share
 * storage and run in order, like one deployment's life.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogOf } from '../../src/store/object';
import { VIEWS_KEY } from '../../src/store/views';
import { lastRun, storedEntries } from '../support/runs';
import { schemaErrors } from '../support/schemas';
import { call, fixtureLog, fixtureOrigin, json, putSources, resetFixtures, runCron, walk } from '../support/worker';
import { fixtureSources } from '../support/fixture-sources';

const T0 = new Date('2026-11-26T08:00:00Z');
const kv = () => (env as unknown as { MARQUEE_KV: KVNamespace }).MARQUEE_KV;

function sources() {
  return fixtureSources(fixtureOrigin());
}


describe('admin API guards', () => {
  it('refuses admin routes without the token, or with a wrong one, with a JSON 401', async () => {
    for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: 'Basic abc' }] as Array<Record<string, string>>) {
      const res = await call('/admin/sources', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body: any = await res.json();
      expect(body.error.code).toBe('UNAUTHORIZED');
    }
    const res = await call('/admin/refresh', { method: 'POST' });
    expect(res.status).toBe(401);
  });

  it('disables admin routes (403) when no token is configured', async () => {
    const { createApp } = await import('../../src/app');
    const app = createApp();
    const res = await app.fetch(new Request('http://x/admin/sources', { headers: { Authorization: 'Bearer anything' } }), { ...(env as object), ADMIN_TOKEN: '' } as never, { waitUntil() {}, passThroughOnException() {}, props: {} } as never);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('ADMIN_DISABLED');
  });

  it('rejects an invalid source list with a 400 naming the problems, and stores nothing', async () => {
    const bad = [{ id: 'ok', url: 'https://example.com/feed' }, { id: 'has space', url: 'ftp://x/y' }, { id: 'ok', url: 'https://example.com/2' }];
    const res = await putSources(bad);
    expect(res.status).toBe(400);
    const body: any = await res.json();
    expect(body.error.code).toBe('INVALID_SOURCES');
    expect(body.error.problems.join(' ')).toMatch(/\/1\/id/);
    expect((await json('/admin/sources', { admin: true })).using_defaults).toBe(true);
    const notJson = await call('/admin/sources', { method: 'PUT', admin: true, headers: { 'Content-Type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).error.code).toBe('INVALID_JSON');
    const duplicateIds = await putSources([{ id: 'a', url: 'https://example.com/1' }, { id: 'a', url: 'https://example.com/2' }]);
    expect(duplicateIds.status).toBe(400);
    expect(((await duplicateIds.json()) as any).error.problems[0]).toMatch(/duplicate id/);
  });

  it('serves the default source list before any upload', async () => {
    const list: any = await json('/admin/sources', { admin: true });
    expect(list.using_defaults).toBe(true);
    expect(list.sources.length).toBeGreaterThanOrEqual(15);
    expect(list.sources.map((s: any) => s.id)).toContain('variety');
  });
});

describe('ingest and serve', () => {
  beforeAll(async () => {
    await resetFixtures();
    const res = await putSources(sources());
    expect(res.status).toBe(200);
  });

  it('a cron run stores every source in the catalog and writes one KV record, the views', async () => {
    await runCron(T0);
    const run = await lastRun();
    expect(run.sourcesFetched).toBe(8);
    expect(run.failed).toBe(0);
    expect(run.newEntries).toBeGreaterThan(40);
    expect(run.kvWrites).toBe(1);
    expect(run.sqlRowsWritten).toBeGreaterThan(run.newEntries);
    expect(run.entriesStored).toBe(run.newEntries);
    const entries = await storedEntries();
    expect(entries.length).toBe(run.newEntries);
    for (const e of entries) expect(schemaErrors('entry', e)).toEqual([]);
    // KV holds what the edge reads, nothing per entry
    const keys = (await kv().list()).keys.map((k) => k.name);
    expect(keys).toEqual([VIEWS_KEY]);
  });

  it('a second run with unchanged upstream feeds sends conditional requests, parses nothing and writes nothing', async () => {
    await resetFixtures();
    const { refresh } = await import('../../src/refresh');
    const { loadConfig } = await import('../../src/config');
    const viewsBefore = await kv().get(VIEWS_KEY);
    const summary = await refresh({ catalog: catalogOf(env as never), fetch: (i, init) => fetch(i, init), config: loadConfig(env as never), clock: () => Date.now() }, new Date(T0.getTime() + 15 * 60_000), { trigger: 'cron' });
    expect(summary.sourcesFetched).toBe(8);
    expect(summary.parsed).toBe(0);
    expect(summary.notModified).toBe(8);
    expect(summary.kvWrites).toBe(0);
    expect(summary.newEntries).toBe(0);
    // What is stored, not what was touched.
    expect(summary.entriesStored).toBeGreaterThan(40);
    expect(summary.stories).toBeGreaterThan(10);
    expect(await kv().get(VIEWS_KEY)).toBe(viewsBefore);
    const log = await fixtureLog();
    expect(log.length).toBe(8);
    for (const r of log) {
      expect(r.inm).toMatch(/^"/);
      expect(r.status).toBe(304);
    }
  });

  it('serves JSON Feed 1.1 that validates, with the _marquee extension', async () => {
    const res = await call('/feed.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const doc: any = await res.json();
    expect(schemaErrors('jsonfeed', doc)).toEqual([]);
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    // 48 items in the fixtures: 7 are copies merged into their BBC originals. NYT's "Elon Musk
    // Joins Twitter Board" and the Telegraph's "Elon Musk to join Twitter board" are two
    // outlets' reports of one event: one story, two items, neither a copy (issue 9).
    expect(doc.items.length).toBe(41);
    expect(doc.next_url).toBeUndefined();
    const first: any = await json('/feed.json?limit=39');
    expect(first.next_url).toMatch(/^http:\/\/marquee\.test\/feed\.json\?limit=39&cursor=/);
    const dates = doc.items.map((i: any) => Date.parse(i.date_published));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    for (const item of doc.items) {
      expect(item._marquee.source.id).toBeTruthy();
      expect(item._marquee.story.size).toBeGreaterThanOrEqual(1);
      expect(item.url).not.toMatch(/at_medium|utm_/);
    }
  });

  it('merges a cross-source copy into one item and lists it in _marquee.duplicates', async () => {
    const { items } = await walk('/feed.json?limit=100', 'items');
    const bbc = items.filter((i) => i._marquee.source.id === 'bbc' || i._marquee.source.id === 'bbc-mirror');
    expect(bbc.length).toBe(7);
    for (const i of bbc) {
      expect(i._marquee.duplicates).toHaveLength(1);
      expect(['bbc', 'bbc-mirror']).toContain(i._marquee.duplicates[0].source_id);
      expect(i._marquee.duplicates[0].url).toBe(i.url);
    }
    const all = await walk('/feed.json?limit=100&dedupe=false', 'items');
    expect(all.items.length).toBe(items.length + 7);
    // Two outlets' own reports of one event are a story, never copies (issue 9).
    const musk = items.filter((i) => /^Elon Musk (Joins|to join) Twitter board$/i.test(i.title));
    expect(musk.map((i) => i._marquee.source.id).sort()).toEqual(['nyt', 'telegraph']);
    expect(musk[0]._marquee.story.id).toBe(musk[1]._marquee.story.id);
    for (const i of musk) expect(i._marquee.duplicates).toEqual([]);
  });

  it('pages through every entry exactly once with next_url, in every format', async () => {
    const total = (await walk('/feed.json?limit=500&dedupe=false', 'items')).items.length;
    const { items, pages } = await walk('/feed.json?limit=7&dedupe=false', 'items');
    expect(pages).toBe(Math.ceil(total / 7));
    const ids = items.map((i) => i.id);
    expect(new Set(ids).size).toBe(total);
    for (const fmt of ['/feed.xml', '/feed.atom']) {
      const seen: string[] = [];
      let next: string | null = `${fmt}?limit=9&dedupe=false`;
      while (next) {
        const xml = await (await call(next)).text();
        seen.push(...[...xml.matchAll(/tag:marquee,2026:entry:([^<]+)</g)].map((m) => m[1]));
        const link = /<atom:link rel="next"[^>]*href="([^"]+)"|<link rel="next"[^>]*href="([^"]+)"/.exec(xml);
        next = link ? new URL((link[1] ?? link[2]).replace(/&amp;/g, '&')).pathname + new URL((link[1] ?? link[2]).replace(/&amp;/g, '&')).search : null;
      }
      expect(new Set(seen).size).toBe(total);
      expect(seen.length).toBe(total);
    }
  });

  it('serves RSS 2.0 and Atom 1.0 with the right types, self links and origin sources', async () => {
    const rss = await call('/feed.xml');
    expect(rss.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const x = await rss.text();
    expect(x).toContain('<atom:link rel="self" type="application/rss+xml" href="http://marquee.test/feed.xml"/>');
    expect(x).toMatch(/<guid isPermaLink="false">tag:marquee,2026:entry:/);
    expect(x).toMatch(/<source url="http:\/\/127\.0\.0\.1:\d+\/feeds\/[^"]+">/);
    expect(x).toMatch(/<pubDate>\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT<\/pubDate>/);
    const atom = await call('/feed.atom');
    expect(atom.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const a = await atom.text();
    expect(a.match(/<id>/g)!.length).toBeGreaterThan(50);
    expect(a).toMatch(/^<\?xml[^>]*>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
    expect(a).toContain('<link rel="self" type="application/atom+xml" href="http://marquee.test/feed.atom"/>');
    expect(a).toMatch(/<source>\n<id>http:\/\/127\.0\.0\.1/);
  });

  it('answers a conditional request for an unchanged view with 304 and no body', async () => {
    for (const path of ['/feed.json', '/feed.xml', '/feed.atom', '/stories.json', '/', '/feed.json?source=nyt']) {
      const first = await call(path);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"/);
      const again = await call(path, { headers: { 'If-None-Match': etag } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      const lm = first.headers.get('last-modified')!;
      const ims = await call(path, { headers: { 'If-Modified-Since': lm } });
      expect(ims.status).toBe(304);
    }
  });

  it('groups the same event across outlets in /stories.json, agreeing with /feed.json', async () => {
    const { items: stories } = await walk('/stories.json?limit=20', 'stories');
    const feed = (await walk('/feed.json?limit=500', 'items')).items;
    const storyOf = new Map(feed.map((i) => [i.url, i._marquee.story.id]));
    let members = 0;
    for (const s of stories) {
      expect(s.size).toBe(s.items.length);
      for (const it of s.items) {
        expect(storyOf.get(it.url)).toBe(s.id);
        members++;
      }
    }
    expect(members).toBe(feed.length);
    // sort=top: the top tier by rank, then the others newest first (rank.ts).
    const tiers = stories.map((s) => (s.rank.top ? 1 : 2));
    expect([...tiers].sort()).toEqual(tiers);
    const top = stories.filter((s) => s.rank.top);
    expect(top.length).toBeGreaterThan(0);
    for (const s of top) expect(s.outlets).toBeGreaterThanOrEqual(2);
    const keys = top.map((s) => Date.parse(s.rank.ranked_as));
    expect([...keys].sort((a, b) => b - a)).toEqual(keys);
    const updated = stories.filter((s) => !s.rank.top).map((s) => Date.parse(s.updated));
    expect([...updated].sort((a, b) => b - a)).toEqual(updated);
    const latest = (await walk('/stories.json?sort=latest&limit=20', 'stories')).items.map((s) => Date.parse(s.updated));
    expect([...latest].sort((a, b) => b - a)).toEqual(latest);
    expect(latest.length).toBe(stories.length);
  });

  it('filters by source and category, and rejects invalid values with a 400 naming the parameter', async () => {
    const nyt: any = await json('/feed.json?source=nyt');
    expect(nyt.items.length).toBe(7);
    expect(nyt.items.every((i: any) => i._marquee.source.id === 'nyt')).toBe(true);
    const tech: any = await json('/feed.json?category=tech&limit=100');
    expect(new Set(tech.items.map((i: any) => i._marquee.source.id))).toEqual(new Set(['verge', 'inessential']));
    for (const [q, param] of [['limit=abc', 'limit'], ['limit=0', 'limit'], ['since=yesterday', 'since'], ['cursor=%%%', 'cursor'], ['dedupe=maybe', 'dedupe']]) {
      for (const path of ['/feed.json', '/feed.xml', '/stories.json']) {
        const res = await call(`${path}?${q}`);
        expect(res.status, `${path}?${q}`).toBe(400);
        const body: any = await res.json();
        expect(body.error.param).toBe(param);
      }
    }
    const unknown = await call('/feed.json?utm_source=x&whatever=1');
    expect(unknown.status).toBe(200);
  });

  it('renders the HTML page with story cards and feed auto-discovery', async () => {
    const res = await call('/');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<link rel="alternate" type="application/rss+xml"');
    expect(html).toContain('href="http://marquee.test/feed.json"');
    expect((html.match(/<article class="story"/g) ?? []).length).toBeGreaterThan(10);
  });

  it('reports health and the admin view of each source', async () => {
    const h: any = await json('/healthz');
    expect(h.ok).toBe(true);
    expect(h.summary).toBe('8 healthy, 0 failing, 0 paused');
    const admin: any = await json('/admin/sources', { admin: true });
    const bbc = admin.sources.find((s: any) => s.id === 'bbc');
    expect(bbc.status).toBe('healthy');
    expect(bbc.entries_stored).toBe(7);
    expect(bbc.etag).toMatch(/^"/);
    expect(bbc.next_due_at).toBeTruthy();
  });

  it('keeps stored entries when a source starts failing, and records a coded error', async () => {
    const before = (await walk('/feed.json?limit=500&source=telegraph', 'items')).items.length;
    const list = sources().map((s) => (s.id === 'telegraph' ? { ...s, url: `${fixtureOrigin()}/feeds/missing.xml` } : s));
    // A new URL for the same id resets that source's polling state but not its entries.
    expect((await putSources(list)).status).toBe(200);
    const res = await call('/admin/refresh?source=telegraph', { method: 'POST', admin: true });
    expect(res.status).toBe(200);
    const summary: any = await res.json();
    expect(summary.failed).toBe(1);
    expect(summary.errors[0].code).toBe('NOT_FOUND');
    const after = (await walk('/feed.json?limit=500&source=telegraph', 'items')).items.length;
    expect(after).toBe(before);
    const admin: any = await json('/admin/sources', { admin: true });
    const t = admin.sources.find((s: any) => s.id === 'telegraph');
    expect(t.status).toBe('failing');
    expect(t.last_error.code).toBe('NOT_FOUND');
    expect(t.last_error.message).toMatch(/^fetch: HTTP 404/);
    expect(t.entries_stored).toBe(before);
    expect((await json('/healthz')).summary).toBe('7 healthy, 1 failing, 0 paused');
    const unknown = await call('/admin/refresh?source=nope', { method: 'POST', admin: true });
    expect(unknown.status).toBe(404);
  });
});
