/**
 * The source list as the catalog object keeps it, inside workerd: metadata
 * from a PUT is served at once; a source without a title is shown by its
 * feed's own title; a renamed source keeps its entries and validators; a
 * removed source takes its entries with it, so nothing stays credited to a
 * source that is gone; run reports say what is stored; and the admin API
 * reads request bodies with a hard limit and answers other methods with 405.
 */
import { describe, expect, it } from 'vitest';
import { at, callWith, cronWith, fixtureScope, jsonWith, lastRun, putSourcesWith, savedState, storedEntries } from '../support/runs';

const T0 = new Date('2026-11-30T08:00:00Z');
const fx = fixtureScope('sources-admin');

describe('source metadata', () => {
  it('a PUT that changes a title and a category is reflected in _marquee.source and in ?category= at once', async () => {
    await fx.reset();
    expect((await putSourcesWith([{ id: 'meta', url: fx.url('/gen/meta?items=3'), title: 'Old Name', category: 'film' }])).status).toBe(200);
    await cronWith(T0);
    const before: any = await jsonWith('/feed.json?category=film');
    expect(before.items.map((i: any) => i._marquee.source.title)).toEqual(['Old Name', 'Old Name', 'Old Name']);
    expect((await putSourcesWith([{ id: 'meta', url: fx.url('/gen/meta?items=3'), title: 'New Name', category: 'music' }])).status).toBe(200);
    // No refresh in between.
    const feed: any = await jsonWith('/feed.json');
    expect(feed.items.filter((i: any) => i._marquee.source.id === 'meta').map((i: any) => i._marquee.source.title)).toEqual(['New Name', 'New Name', 'New Name']);
    expect((await jsonWith('/feed.json?category=music')).items).toHaveLength(3);
    expect((await jsonWith('/feed.json?category=film')).items).toHaveLength(0);
    const page = await (await callWith('/')).text();
    expect(page).toContain('New Name');
    expect(page).not.toContain('Old Name');
  });

  it('a source registered without a title is shown by its feed\'s own title everywhere', async () => {
    expect((await putSourcesWith([{ id: 'untitled', url: fx.url('/gen/feed-own-title?items=2') }])).status).toBe(200);
    await cronWith(at(T0, 1));
    const feed: any = await jsonWith('/feed.json?source=untitled');
    expect(feed.items.map((i: any) => i._marquee.source.title)).toEqual(['feed-own-title', 'feed-own-title']);
    const stories: any = await jsonWith('/stories.json?source=untitled');
    expect(stories.stories[0].sources[0].title).toBe('feed-own-title');
    const opml = await (await callWith('/sources.opml')).text();
    expect(opml).toContain('title="feed-own-title"');
    const admin: any = await jsonWith('/admin/sources', { admin: true });
    expect(admin.sources[0].title).toBe('feed-own-title');
    expect(await (await callWith('/')).text()).toContain('feed-own-title');
  });
});

describe('renamed and removed sources', () => {
  it('a new id for the same URL is a rename: entries, ids and validators move with it', async () => {
    await fx.reset();
    const url = fx.url('/gen/renamed?items=4');
    expect((await putSourcesWith([{ id: 'bbc', url }, { id: 'other', url: fx.url('/gen/other?items=2') }])).status).toBe(200);
    await cronWith(at(T0, 10));
    const ids = (await storedEntries()).filter((e) => e.sourceId === 'bbc').map((e) => e.id).sort();
    const etag = (await savedState('bbc'))!.etag;
    const res = await putSourcesWith([{ id: 'bbc-news-world', url }, { id: 'other', url: fx.url('/gen/other?items=2') }]);
    expect(((await res.json()) as any).renamed).toEqual([{ from: 'bbc', to: 'bbc-news-world' }]);
    const moved = (await storedEntries()).filter((e) => e.sourceId === 'bbc-news-world');
    expect(moved.map((e) => e.id).sort()).toEqual(ids); // readers key on these: unchanged
    expect((await storedEntries()).some((e) => e.sourceId === 'bbc')).toBe(false);
    expect((await savedState('bbc-news-world'))!.etag).toBe(etag);
    // The next poll is conditional and brings nothing new; nothing is credited to "bbc".
    await fx.bump('renamed');
    await callWith('/admin/refresh', { method: 'POST', admin: true });
    const feed: any = await jsonWith('/feed.json?limit=500');
    expect(feed.items.some((i: any) => i._marquee.source.id === 'bbc')).toBe(false);
    expect(feed.items.filter((i: any) => i._marquee.source.id === 'bbc-news-world')).toHaveLength(5);
    expect((await jsonWith('/feed.json?source=bbc-news-world')).items).toHaveLength(5);
  });

  it('a removed source takes its entries along; its copy at a current source becomes the one shown', async () => {
    await fx.reset();
    // Two sources serving the same article (the same canonical link): one is a copy of the other.
    const same = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://x.example/</link>
      <item><title>Shared scoop about the festival lineup</title><link>https://news.example/shared/1</link><guid>shared-1</guid>
      <pubDate>Sun, 29 Nov 2026 08:00:00 GMT</pubDate><description>The festival announced its full lineup today.</description></item></channel></rss>`;
    await fx.feed('first.xml', same);
    await fx.feed('second.xml', same.replace('<channel><title>T</title>', '<channel><title>U</title>'));
    expect((await putSourcesWith([{ id: 'first', url: fx.url('/dyn/first.xml') }])).status).toBe(200);
    await cronWith(at(T0, 20));
    expect((await putSourcesWith([{ id: 'first', url: fx.url('/dyn/first.xml') }, { id: 'second', url: fx.url('/dyn/second.xml') }])).status).toBe(200);
    await cronWith(at(T0, 21));
    const copy = (await storedEntries()).find((e) => e.sourceId === 'second')!;
    expect(copy.dupOf).toMatch(/^first:/);
    const res = await putSourcesWith([{ id: 'second', url: fx.url('/dyn/second.xml') }]);
    expect(((await res.json()) as any).removed).toEqual(['first']);
    const after = await storedEntries();
    expect(after.some((e) => e.sourceId === 'first')).toBe(false);
    expect(after.find((e) => e.sourceId === 'second')!.dupOf).toBeNull();
    const feed: any = await jsonWith('/feed.json');
    expect(feed.items.map((i: any) => i._marquee.source.id)).toEqual(['second']);
  });
});

describe('run reports', () => {
  it('an unchanged run reports what is stored, not what it touched', async () => {
    await fx.reset();
    expect((await putSourcesWith([{ id: 'steady', url: fx.url('/gen/steady?items=6') }])).status).toBe(200);
    await cronWith(at(T0, 30));
    await cronWith(at(T0, 31));
    const run = await lastRun();
    expect(run.newEntries).toBe(0);
    expect(run.entriesStored).toBe(6);
    expect(run.stories).toBeGreaterThanOrEqual(1);
    const runs: any = await jsonWith('/admin/runs?limit=2', { admin: true });
    expect(runs.runs).toHaveLength(2);
    expect(runs.runs[0].startedAt).toBe(at(T0, 31).toISOString());
    expect(runs.runs[1].startedAt).toBe(at(T0, 30).toISOString());
    expect(runs.next_url).toMatch(/\/admin\/runs\?limit=2&cursor=\d+$/);
    const next: any = await jsonWith(new URL(runs.next_url).pathname + new URL(runs.next_url).search, { admin: true });
    expect(next.runs.every((r: any) => r.n < runs.runs[1].n)).toBe(true);
  });

  it('counts connection retries', async () => {
    const side = await fx.side(false);
    expect((await putSourcesWith([{ id: 'refused', url: `${side.origin}/s/sources-admin/gen/refused` }])).status).toBe(200);
    const run: any = await (await callWith('/admin/refresh', { method: 'POST', admin: true })).json();
    expect(run.retries).toBe(1);
    expect(run.subrequests).toBe(2);
    expect(run.errors[0].code).toBe('CONNECTION_FAILED');
  });

  it('a bad source list reports every problem at once, the URL policy included', async () => {
    const res = await putSourcesWith([{ id: 'has space', url: 'https://user:pw@example.com/feed' }, { id: 'ok', url: 'http://127.0.0.1.nip.io.invalid/x', extra: 1 }], { ALLOW_PRIVATE_SOURCES: 'false' });
    expect(res.status).toBe(400);
    const problems: string[] = ((await res.json()) as any).error.problems;
    expect(problems.some((p) => p.includes('/0/id'))).toBe(true);
    expect(problems.some((p) => p.startsWith('/0/url') && /credential|user/i.test(p))).toBe(true);
  });
});

describe('HTTP hygiene', () => {
  it('refuses a source list larger than the limit without reading it whole, declared or chunked', async () => {
    const big = 3 * 1024 * 1024;
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled >= 40 * 1024 * 1024) return c.close();
        pulled += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
    const res = await callWith('/admin/sources', { method: 'PUT', admin: true, headers: { 'Content-Type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe('TOO_LARGE');
    expect(pulled).toBeLessThan(big);
    const declared = await callWith('/admin/sources', { method: 'PUT', admin: true, headers: { 'Content-Type': 'application/json', 'Content-Length': String(big) }, body: ' '.repeat(10) });
    expect(declared.status).toBe(413);
  });

  it('answers any other method on a public path with 405 and Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'PURGE']) {
      const res = await callWith('/feed.json', { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    }
  });
});
