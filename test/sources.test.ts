/**
 * The source list: OPML import (round trip with our own export, and a
 * hand-written list with folders), and the checks every uploaded list gets.
 */
import { describe, expect, it } from 'vitest';
import { renderOpml } from '../src/render/opml';
import { DEFAULT_SOURCES, SourceListError, sourcesFromJson, sourcesFromOpml } from '../src/sources';

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
