/**
 * Issue 13, items 1-3: what a hostile JSON Feed (or any feed) can no longer
 * put into what Marquee stores and serves: unpaired surrogates, control
 * characters, and fields of any size. Each test fails on the code before the fix.
 */
import { describe, expect, it } from 'vitest';
import type { ParsedFeed } from '../../src/model';
import { feedTitleText, normalizeFeed, type NormalizeContext } from '../../src/normalize/index';
import { cutText, LIMITS, limitEntry, safeText, type FieldWarning } from '../../src/normalize/limits';
import { parseFeedText } from '../../src/parse/index';
import { parseListQuery } from '../../src/query';
import { indexBundle, renderEntryPage, type FeedFormat } from '../../src/render/index';
import { sourcesFromJson } from '../../src/sources';
import type { NormalizedEntry } from '../../src/normalize/index';

const NOW = new Date('2026-11-26T08:00:00Z');
const ctx = (warn?: (w: FieldWarning) => void): NormalizeContext => ({
  source: { id: 's', url: 'https://example.test/feed.json', title: null, home_page_url: null, category: null },
  feedUrl: 'https://example.test/feed.json',
  now: NOW,
  warn,
});

const jsonFeed = (items: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'Feed', ...extra, items });

/** What /feed.json, /feed.xml or /feed.atom would serve for these entries. */
function render(fmt: FeedFormat, entries: NormalizedEntry[]): string {
  const stored = entries.map(({ fullText: _f, summaryHtml: _s, contentHtml: _c, ...e }) => ({ ...e, storyId: e.storyId || `st_${e.id}` }));
  const bodies = new Map(entries.map((e) => [e.id, [e.summaryHtml ?? '', e.contentHtml ?? ''] as [string, string]]));
  const sources = { s: { id: 's', title: 'S', feed_url: 'https://example.test/feed.json', home_page_url: null, category: null } };
  const idx = indexBundle({ rev: 1, updatedAt: NOW.toISOString(), entries: stored, stories: [], members: [], bodies: [], next: null, sources });
  return renderEntryPage(fmt, idx, { entries: stored, next: null }, parseListQuery(new URLSearchParams()), bodies, { base: 'https://marquee.test', ttlMinutes: 15 });
}

/** Every string anywhere in a value. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// eslint-disable-next-line no-control-regex
const C0 = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

describe('item 1: unpaired surrogates from JSON Feed are replaced at ingest', () => {
  const hostile = jsonFeed([{
    id: 'a\ud800', url: 'https://example.test/1', title: 'T\ud800itle', summary: 'S\udc00', content_html: '<p title="\udbff">C\ud800</p>',
    content_text: 'x', authors: [{ name: 'A\ud800' }], tags: ['t\udfff'], language: 'en\ud800', date_published: '2026\ud800',
  }], { title: 'Feed\ud800', home_page_url: 'https://example.test/\ud800', language: 'e\udc00n' });

  it('in every string the parser hands on (feed and items)', () => {
    const { feed } = parseFeedText(hostile);
    expect(strings(feed).filter((s) => LONE.test(s))).toEqual([]);
    expect(feed.items[0].title).toBe('T\ufffditle');
    expect(feed.title).toBe('Feed\ufffd');
  });

  it('in every stored field, and in the feed title kept in the source health', () => {
    const { feed } = parseFeedText(hostile);
    const [e] = normalizeFeed(feed, ctx());
    expect(strings(e).filter((s) => LONE.test(s))).toEqual([]);
    expect(feedTitleText(feed)).toBe('Feed\ufffd');
  });

  it('a surrogate pair survives, and cutting never splits one', () => {
    expect(safeText('😀\ud83d')).toBe('😀\ufffd');
    expect(cutText('ab😀cd', 4)).toBe('ab…');
    expect(LONE.test(cutText('a'.repeat(998) + '😀😀', 1000))).toBe(false);
  });

  it('in source titles and categories of an uploaded JSON source list', () => {
    const [s] = sourcesFromJson([{ id: 'a', url: 'https://example.test/f', title: 'Ti\ud800tle\u0001', category: 'c\udc00' }], false);
    expect(s.title).toBe('Ti\ufffdtle');
    expect(s.category).toBe('c\ufffd');
  });

  it('the served JSON Feed and XML are then well-formed (jq and XML parsers refuse lone surrogates)', () => {
    const { feed } = parseFeedText(hostile);
    const entries = normalizeFeed(feed, ctx());
    const json = render('json', entries);
    expect(() => JSON.parse(json)).not.toThrow();
    expect(LONE.test(json)).toBe(false);
    expect(LONE.test(render('rss', entries))).toBe(false);
    expect(LONE.test(render('atom', entries))).toBe(false);
    expect(json).toContain('T\ufffditle');
  });
});

describe('item 2: control characters from JSON Feed are removed at ingest, as RSS and Atom remove them', () => {
  const hostile = jsonFeed([{
    id: '1', url: 'https://example.test/1', title: 'Ti\u0000t\u0001le', summary: 'sum\u0007mary', content_html: '<p>co\u0000n\u001ftent</p>',
    authors: [{ name: 'Au\u0008thor' }], tags: ['ta\u000bg'],
  }], { title: 'Fe\u0000ed' });

  it('from every string and stored field', () => {
    const { feed } = parseFeedText(hostile);
    expect(strings(feed).filter((s) => C0.test(s))).toEqual([]);
    const [e] = normalizeFeed(feed, ctx());
    expect(strings(e).filter((s) => C0.test(s))).toEqual([]);
    expect(e.title).toBe('Title');
    expect(e.contentHtml).toBe('<p>content</p>');
    expect(e.authors).toEqual(['Author']);
    expect(feedTitleText(feed)).toBe('Feed');
  });

  it('tab, newline and carriage return are text, and stay', () => {
    expect(safeText('a\tb\nc\rd')).toBe('a\tb\nc\rd');
  });

  it('from HTML references too (&#1; in RSS content), which the sanitizer drops', () => {
    const rss = '<rss version="2.0"><channel><title>t</title><item><title>a&amp;#1;b</title><description>&lt;p&gt;x&amp;#1;y&lt;/p&gt;</description></item></channel></rss>';
    const [e] = normalizeFeed(parseFeedText(rss).feed, ctx());
    expect(e.title).toBe('ab');
    expect(e.summaryHtml).toBe('<p>xy</p>');
  });
});

describe('item 3: every field is capped at ingest, with a warning naming it', () => {
  const big = (n: number, unit = 'word ') => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

  it('a 4 MiB title is cut to LIMITS.title at a character boundary, and reported', () => {
    const warnings: FieldWarning[] = [];
    const { feed } = parseFeedText(jsonFeed([{ id: 'g1', url: 'https://example.test/1', title: big(4 * 1024 * 1024) }]));
    const [e] = normalizeFeed(feed, ctx((w) => warnings.push(w)));
    expect(e.title.length).toBe(LIMITS.title);
    expect(e.title.endsWith('…')).toBe(true);
    expect(warnings).toEqual([{ code: 'FIELD_TRUNCATED', field: 'title', itemId: 'g1', limit: LIMITS.title }]);
  });

  it('content and summary HTML are cut at a tag boundary, every open tag closed', () => {
    const warnings: FieldWarning[] = [];
    // Markup without much text: the text budget never cuts it, the HTML limit does.
    const html = `<div>${'<p><b><a href="https://example.test/a">x</a></b></p>'.repeat(5000)}</div>`;
    const { feed } = parseFeedText(jsonFeed([{ id: 'g2', url: 'https://example.test/2', content_html: html, summary: big(40_000) }]));
    const [e] = normalizeFeed(feed, ctx((w) => warnings.push(w)));
    expect(e.contentHtml!.length).toBeLessThanOrEqual(LIMITS.contentHtml);
    expect(e.contentHtml).toMatch(/<\/div>$/);
    expect(warnings.map((w) => w.field)).toContain('contentHtml');
  });

  it('authors, categories, URLs, guid, language and the raw date have limits too; each field warns once per item', () => {
    const warnings: FieldWarning[] = [];
    const longUrl = `https://example.test/${'p'.repeat(3000)}`;
    const { feed } = parseFeedText(jsonFeed([{
      id: big(5000, 'g'), url: longUrl, title: 't', authors: Array.from({ length: 30 }, (_, i) => ({ name: `${i}${big(600, 'n')}` })),
      tags: Array.from({ length: 40 }, (_, i) => `${i}${big(300, 'c')}`), language: big(100, 'l'), date_published: big(500, 'd'), image: longUrl,
    }]));
    const [e] = normalizeFeed(feed, ctx((w) => warnings.push(w)));
    expect(e.authors).toHaveLength(LIMITS.authors);
    expect(Math.max(...e.authors.map((a) => a.length))).toBe(LIMITS.author);
    expect(e.categories).toHaveLength(LIMITS.categories);
    expect(Math.max(...e.categories.map((c) => c.length))).toBe(LIMITS.category);
    expect(e.url).toBeNull(); // a cut URL points elsewhere: dropped, not cut
    expect(e.originalUrl).toBeNull();
    expect(e.image).toBeNull();
    expect(e.guid!.length).toBe(LIMITS.guid);
    expect(e.language!.length).toBe(LIMITS.language);
    expect(e.dateOriginal!.length).toBe(LIMITS.dateOriginal);
    const fields = warnings.map((w) => w.field).sort();
    expect(fields).toEqual(['author', 'authors', 'categories', 'category', 'dateOriginal', 'guid', 'language', 'url']);
    expect(warnings.every((w) => w.itemId!.length <= 200)).toBe(true);
  });

  it('an item with thousands of enclosures keeps LIMITS.enclosures of them', () => {
    const warnings: FieldWarning[] = [];
    const attachments = Array.from({ length: 5000 }, (_, i) => ({ url: `https://example.test/${i}.mp3`, mime_type: 'audio/mpeg' }));
    const feed: ParsedFeed = parseFeedText(jsonFeed([{ id: 'e', url: 'https://example.test/e', title: 't', attachments }])).feed;
    expect(feed.items[0].enclosures).toHaveLength(5000);
    normalizeFeed(feed, ctx((w) => warnings.push(w)));
    expect(warnings).toEqual([{ code: 'FIELD_TRUNCATED', field: 'enclosures', itemId: 'e', limit: LIMITS.enclosures }]);
  });

  it('an entry within every limit is left as it is, with no warning', () => {
    const warnings: FieldWarning[] = [];
    const { feed } = parseFeedText(jsonFeed([{ id: 'ok', url: 'https://example.test/ok', title: 'Fine', content_html: '<p>fine</p>', tags: ['a'] }]));
    const [e] = normalizeFeed(feed, ctx((w) => warnings.push(w)));
    expect(warnings).toEqual([]);
    expect(limitEntry({ ...e }, (w) => warnings.push(w))).toEqual(e);
    expect(warnings).toEqual([]);
  });
});
