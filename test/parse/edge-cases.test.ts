/**
 * The edge-case fixtures (test/fixtures/README.md) checked for the one thing
 * each is there for, so that a golden file regenerated without care cannot
 * hide a regression of that thing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeFeed, type NormalizedEntry } from '../../src/normalize/index';
import { parseFeedBody, type ParseResult } from '../../src/parse/index';

const FEEDS = join(__dirname, '..', 'fixtures', 'feeds');
const NOW = new Date('2026-11-26T08:00:00Z');

function load(file: string, feedUrl = `http://fixtures.test/feeds/${file}`): ParseResult & { entries: NormalizedEntry[] } {
  const parsed = parseFeedBody(new Uint8Array(readFileSync(join(FEEDS, file))), null);
  const entries = normalizeFeed(parsed.feed, { source: { id: 'src', url: feedUrl, title: null, home_page_url: null, category: null }, feedUrl, now: NOW });
  return { ...parsed, entries };
}

describe('edge cases in the committed fixtures', () => {
  it('ISO-8859-1 (declared) is decoded as windows-1252, its WHATWG superset', () => {
    const golem = load('golem-iso-8859-1.rdf');
    expect(golem.encoding).toBe('windows-1252');
    expect(golem.entries[0].title).toBe('Digitalministerium: Neue Glasfaserförderung mit Schnellkasse');
    const jn = load('jn-iso-8859-1.rss');
    expect(jn.entries[0].title).toBe('Mãe de utente é a nova presidente da Raríssimas');
  });

  it('UTF-16LE with a BOM gives the same entries as the same feed in ISO-8859-1', () => {
    const a = load('jn-utf-16le.rss', 'http://fixtures.test/jn');
    const b = load('jn-iso-8859-1.rss', 'http://fixtures.test/jn');
    expect(a.encoding).toBe('utf-16le');
    expect(a.entries).toEqual(b.entries);
  });

  it('windows-1252 bytes 0x80-0x9F are the characters windows-1252 puts there', () => {
    expect(load('miniflux-windows-1252.xml').feed.title).toBe('Euro €');
  });

  it('xml:base on Atom content makes relative images and links absolute', () => {
    const { entries } = load('typepad-xml-base.atom');
    expect(entries[0].image).toMatch(/^http:\/\/everything\.typepad\.com\/\.a\//);
    for (const e of entries) expect(e.contentHtml).not.toMatch(/(src|href)="(?!https?:|mailto:)/);
  });

  it('relative item links resolve against a relative channel link, itself resolved against the feed URL', () => {
    const { feed, entries } = load('arcgames-relative-links.xml', 'http://www.arcgames.com/en/games/neverwinter/news/rss');
    expect(feed.link).toBe('/en/games/neverwinter/news');
    expect(entries.map((e) => e.url)).toEqual([
      'http://www.arcgames.com/en/games/neverwinter/news/detail/10743874-neverwinter-%26-jingle-jam-humble-bundle%21',
      'http://www.arcgames.com/en/games/neverwinter/news/detail/10738994-2x-underdark-currency-%26-15%25-off-bags%21',
    ]);
  });

  it('escaped HTML is decoded once: a feed that escaped it twice shows its entity as written', () => {
    const { entries } = load('fyi-center-double-escaped.atom');
    const style = entries.find((e) => e.title === "HTML 'style' Tag/Element")!;
    // The feed has &amp;amp;lt;?xml: XML makes it &amp;lt;?xml, HTML shows "&lt;?xml" (as a browser would).
    expect(style.summaryText).toContain('example of a style element: &lt;?xml version="1.0" ?&gt;');
    expect(style.summaryHtml || style.contentHtml).toContain('&amp;lt;?xml');
  });

  it('items without guids get ids from their canonical URLs, stable across fetches', () => {
    const a = load('macworld-no-guid.rss').entries;
    expect(a.every((e) => e.guid === null)).toBe(true);
    expect(new Set(a.map((e) => e.id)).size).toBe(a.length);
    expect(load('macworld-no-guid.rss').entries.map((e) => e.id)).toEqual(a.map((e) => e.id));
  });

  it('guids repeated by distinct items keep every item, with distinct ids (Miniflux #4197)', () => {
    const { feed, entries } = load('scripting-news-duplicate-guids.rss');
    expect(entries).toHaveLength(feed.items.length);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    const guids = entries.map((e) => e.guid);
    expect(new Set(guids).size).toBeLessThan(guids.length);
    // Items without a title get the start of their summary.
    expect(entries[1].title).toBe('Good morning Internet guzzlers! 🍺');
  });

  it('removes FeedBurner tracking pixels and flare images, and does not take them as the entry image', () => {
    for (const e of load('pcmag-feedburner-pixels.xml').entries) {
      const html = e.summaryHtml + (e.contentHtml ?? '');
      expect(html).not.toMatch(/<img[^>]+feedburner/);
      expect(html).not.toMatch(/href="http:\/\/feeds\.feedburner\.com\/~ff\//);
      expect(e.image).toBeNull();
    }
  });

  it('drops the scripts publishers embed in content and keeps the text around them', () => {
    const raw = readFileSync(join(FEEDS, 'huffpost-canada-scripts.xml'), 'utf8');
    expect(raw).toMatch(/<script/);
    for (const e of load('huffpost-canada-scripts.xml').entries) {
      expect(`${e.summaryHtml}${e.contentHtml}`).not.toMatch(/<script|vidible|javascript:/i);
      expect(`${e.summaryHtml}${e.contentHtml}`.length).toBeGreaterThan(500);
    }
  });

  it('clamps a date more than a day ahead to first-seen, keeping the original; a few hours ahead is believed', () => {
    const [far, near, past] = load('future-dates.rss').entries;
    expect(far).toMatchObject({ published: NOW.toISOString(), dateInferred: 'future', dateOriginal: 'Sat, 01 May 2027 10:00:00 +0000' });
    expect(near).toMatchObject({ published: '2026-11-26T14:00:00.000Z', dateInferred: null });
    expect(past).toMatchObject({ published: '2015-09-24T15:51:51.000Z', dateInferred: null });
  });

  it('keeps the complete items of a JSON Feed cut off mid-item, and says it repaired it', () => {
    const r = load('allthis-truncated.json');
    expect(r.repaired).toBe(true);
    expect(r.entries.map((e) => e.title)).toEqual(['Last thoughts on modifier keys', 'My next Mac', 'Modifier key order']);
  });
});
