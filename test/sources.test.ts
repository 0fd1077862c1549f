/**
 * The source list: OPML import (round trip with our own export, ids included,
 * and a hand-written list with folders), the ids OPML outlines get, and the
 * limits every uploaded list gets, JSON or OPML (issues 11 and 13).
 */
import { describe, expect, it } from 'vitest';
import { renderOpml } from '../src/render/opml';
import { DEFAULT_SOURCES, IdAllocator, SourceListError, idFromUrl, slug, sourcesFromJson, sourcesFromOpml } from '../src/sources';

const opml = (outlines: string, head = '') => `<?xml version="1.0"?><opml version="2.0"${head}><head><title>t</title></head><body>${outlines}</body></opml>`;
const outline = (title: string, url: string, extra = '') => `<outline type="rss" text="${title}" xmlUrl="${url}"${extra}/>`;
const problemsOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    if (err instanceof SourceListError) return err.problems;
    throw err;
  }
  throw new Error('no SourceListError');
};

describe('sources', () => {
  it('reads back its own OPML export', () => {
    const opml = renderOpml(DEFAULT_SOURCES, 'https://marquee.example', '2026-11-26T08:00:00Z');
    const back = sourcesFromOpml(opml, false);
    expect(back.map((s) => [s.url, s.title, s.home_page_url, s.category])).toEqual(
      [...DEFAULT_SOURCES].sort((a, b) => (a.category ?? '').localeCompare(b.category ?? '')).map((s) => [s.url, s.title, s.home_page_url, s.category]),
    );
  });

  it('takes folders as categories and makes unique ids from titles', () => {
    const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>mine</title></head><body>
      <outline text="Film"><outline text="Variety" xmlUrl="https://variety.com/feed/" htmlUrl="https://variety.com/"/>
        <outline text="Variety" xmlUrl="https://variety.com/v/film/feed/"/></outline>
      <outline text="Loose" type="rss" xmlUrl="https://example.com/rss"/></body></opml>`;
    expect(sourcesFromOpml(opml, false)).toEqual([
      { id: 'variety', url: 'https://variety.com/feed/', title: 'Variety', home_page_url: 'https://variety.com/', category: 'film' },
      { id: 'variety-2', url: 'https://variety.com/v/film/feed/', title: 'Variety', home_page_url: null, category: 'film' },
      { id: 'loose', url: 'https://example.com/rss', title: 'Loose', home_page_url: null, category: null },
    ]);
  });

  it('refuses documents that are not OPML, private addresses and credentials in URLs', () => {
    expect(() => sourcesFromOpml('<rss version="2.0"><channel/></rss>', false)).toThrow(SourceListError);
    expect(() => sourcesFromOpml('<opml version="2.0"><body><outline text="x"/></body></opml>', false)).toThrow(/no <outline> with an xmlUrl/);
    expect(() => sourcesFromJson([{ id: 'a', url: 'http://127.0.0.1:8000/feed' }], false)).toThrow(/loopback, private, link-local/);
    expect(sourcesFromJson([{ id: 'a', url: 'http://127.0.0.1:8000/feed' }], true)).toHaveLength(1);
    expect(() => sourcesFromJson([{ id: 'a', url: 'https://user:pw@example.com/feed' }], false)).toThrow(/credentials/);
  });
});

describe('OPML ids', () => {
  it('exports every id as marquee:id and reads it back, so re-importing an export changes no id', () => {
    const sources = [
      { id: 'bbc', url: 'https://feeds.bbci.co.uk/news/world/rss.xml', title: 'BBC News - World', home_page_url: null, category: 'news' },
      { id: 'nyt', url: 'https://rss.nytimes.com/services/xml/rss/nyt/HomePage.xml', title: null, home_page_url: null, category: 'news' },
      ...DEFAULT_SOURCES,
    ];
    const doc = renderOpml(sources, 'https://marquee.example', '2026-11-26T08:00:00Z');
    expect(doc).toContain('xmlns:marquee="https://github.com/marquee-news/marquee#opml"');
    expect(doc).toContain('marquee:id="bbc"');
    const back = sourcesFromOpml(doc, false);
    expect(new Map(back.map((s) => [s.url, s.id]))).toEqual(new Map(sources.map((s) => [s.url, s.id])));
    // Whatever prefix a document binds to the namespace.
    const other = doc.replace(/ marquee:id=/g, ' mq:id=').replace('xmlns:marquee=', 'xmlns:mq=');
    expect(sourcesFromOpml(other, false).find((s) => s.url === sources[0].url)!.id).toBe('bbc');
  });

  it('makes ids from titles without a trailing hyphen, and unique', () => {
    const long = 'Engadget is a web magazine with obsessive daily coverage of everything new in gadgets and consumer electronics';
    expect(slug(long)).toBe('engadget-is-a-web-magazine-with-obsessive-daily');
    const got = sourcesFromOpml(opml(outline(long, 'https://www.engadget.com/rss.xml') + outline('Variety', 'https://variety.com/feed/') + outline('Variety', 'https://variety.com/v/film/feed/')), false);
    expect(got.map((s) => s.id)).toEqual(['engadget-is-a-web-magazine-with-obsessive-daily', 'variety', 'variety-2']);
    for (const s of got) expect(s.id).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
  });

  it('takes the id from the feed URL when the title gives nothing usable (Cyrillic, Chinese, digits)', () => {
    expect(slug('Новости Оренбурга и области / Раздел Новости')).toBe('');
    expect(slug('投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文')).toBe('');
    expect(idFromUrl('https://feeds.bbci.co.uk/news/world/rss.xml')).toBe('bbci-news-world');
    const got = sourcesFromOpml(opml(
      outline('Новости Оренбурга и области / Раздел Новости', 'https://www.orenburg.ru/news/rss/') +
      outline('投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文', 'http://www.kc0011.net/rss.asp') +
      outline('20', 'http://www.kc0011.net/rss.asp?boardid=10'),
    ), false);
    expect(got.map((s) => s.id)).toEqual(['orenburg-news', 'kc0011', 'kc0011-2']);
    // The title itself is kept as written.
    expect(got[0].title).toBe('Новости Оренбурга и области / Раздел Новости');
  });

  it('keeps derived ids clear of explicit ones, and refuses duplicate or invalid explicit ids', () => {
    const ns = ' xmlns:marquee="https://github.com/marquee-news/marquee#opml"';
    const got = sourcesFromOpml(opml(outline('Variety', 'https://variety.com/a') + outline('Mine', 'https://variety.com/b', ' marquee:id="variety"'), ns), false);
    expect(got.map((s) => s.id)).toEqual(['variety-2', 'variety']);
    expect(problemsOf(() => sourcesFromOpml(opml(outline('A', 'https://a.example/f', ' marquee:id="x"') + outline('B', 'https://b.example/f', ' marquee:id="x"'), ns), false)))
      .toEqual(['/1/id: duplicate id "x"']);
    expect(problemsOf(() => sourcesFromOpml(opml(outline('A', 'https://a.example/f', ' marquee:id="bad id!"'), ns), false))[0]).toMatch(/^\/0\/id: marquee:id "bad id!" is not a valid id/);
  });

  it('allocates 25,000 ids on one base with a number of probes linear in their count', () => {
    const ids = new IdAllocator();
    // Explicit ids that sit where suffixes would go cost one probe each, once.
    let reserved = 0;
    for (let n = 2; n < 1_000; n += 3) reserved += ids.reserve(`feed-${n}`) ? 1 : 0;
    const got = Array.from({ length: 25_000 }, () => ids.allocate('feed'));
    expect(new Set(got).size).toBe(25_000);
    expect(got.slice(0, 4)).toEqual(['feed', 'feed-3', 'feed-4', 'feed-6']);
    // One probe per id, plus one per id skipped; the old loop tried 2, 3, ... again for every
    // outline, some 312 million probes here.
    expect(ids.probes).toBeLessThanOrEqual(2 * 25_000 + reserved);
  });
});

describe('OPML obeys the limits of the JSON list (schemas/sources.schema.json)', () => {
  it('refuses more than 5,000 feeds without reading past the limit', () => {
    const many = (n: number) => opml(Array.from({ length: n }, (_, i) => outline('Same', `https://example.com/f${i}.xml`)).join(''));
    expect(sourcesFromOpml(many(5_000), false)).toHaveLength(5_000);
    expect(problemsOf(() => sourcesFromOpml(many(55_000), false))).toEqual(['OPML: more than 5000 outlines with an xmlUrl (the limit of a source list)']);
    expect(problemsOf(() => sourcesFromJson(Array.from({ length: 5_001 }, (_, i) => ({ id: `f${i}`, url: `https://example.com/${i}` })), false)).length).toBeGreaterThan(0);
  });

  it('refuses titles over 300 and categories over 64 characters, as JSON does', () => {
    const problems = problemsOf(() => sourcesFromOpml(opml(outline('t'.repeat(200_000), 'https://a.example/f') + outline('ok', 'https://b.example/f', ` category="${'c'.repeat(50_000)}"`)), false));
    expect(problems).toEqual(['#/0/title: String is too long (200000 > 300).', '#/1/category: String is too long (50000 > 64).']);
  });

  it('reads outlines nested 250 deep, and refuses 5,000 and 50,000 deep with a coded error, never running out of stack', () => {
    const nested = (depth: number) => opml(`${'<outline text="Folder">'.repeat(depth)}${outline('Deep', 'https://example.com/deep.xml')}${'</outline>'.repeat(depth)}`);
    expect(sourcesFromOpml(nested(250), false)).toEqual([{ id: 'deep', url: 'https://example.com/deep.xml', title: 'Deep', home_page_url: null, category: 'folder' }]);
    // The XML reader keeps at most MAX_XML_DEPTH (256) elements open; deeper ones are not read.
    for (const depth of [5_000, 50_000]) expect(() => sourcesFromOpml(nested(depth), false)).toThrow(SourceListError);
  });
});
