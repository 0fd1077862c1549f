/**
 * The feed writers against their specs, on a catalog built to trip them up
 * (catalog-fixture.ts). XML is checked with a real parser (fast-xml-parser),
 * JSON against schemas/jsonfeed.schema.json. The W3C Feed Validator messages
 * these guard against are named in each test.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseListQuery } from '../../src/query';
import { entryPageOf, indexBundle, renderEntryPage, type FeedFormat } from '../../src/render/index';
import { renderOpml } from '../../src/render/opml';
import { responseSchemaErrors } from '../support/schemas';
import { BODIES, ENTRIES, SOURCES, fixtureEntryBundle } from './catalog-fixture';

const BASE = 'https://marquee.example';
const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  // Numeric character references (plain text writes & and < as &#x26; and &#x3C;) are decoded.
  htmlEntities: true,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['item', 'entry', 'link', 'atom:link', 'category', 'author', 'dc:creator', 'outline'].includes(name),
});

function render(fmt: FeedFormat, search: string, requestPath?: string): string {
  const q = parseListQuery(new URLSearchParams(search));
  const bundle = fixtureEntryBundle(q);
  const idx = indexBundle(bundle);
  const page = entryPageOf(bundle);
  const path = { json: '/feed.json', rss: '/feed.xml', atom: '/feed.atom' }[fmt];
  return renderEntryPage(fmt, idx, page, q, BODIES, { base: BASE, ttlMinutes: 15, requestPath: requestPath ?? `${path}${search ? `?${search}` : ''}` });
}

function xml(doc: string): any {
  expect(XMLValidator.validate(doc)).toBe(true);
  return parser.parse(doc);
}

const text = (v: any): string => (typeof v === 'string' ? v : v?.['#text'] ?? '');

describe('RSS 2.0 (RSS Board profile)', () => {
  it('is well-formed and its self link is exactly the requested URL, query included (SelfDoesntMatchLocation)', () => {
    const path = '/feed.xml?utm_source=x&limit=5&category=film';
    const doc = xml(render('rss', 'utm_source=x&limit=5&category=film', path));
    const ch = doc.rss.channel;
    expect(doc.rss['@version']).toBe('2.0');
    const self = ch['atom:link'].find((l: any) => l['@rel'] === 'self');
    expect(self['@href']).toBe(`${BASE}${path}`);
    expect(self['@type']).toBe('application/rss+xml');
    const next = ch['atom:link'].find((l: any) => l['@rel'] === 'next');
    expect(next['@href']).toMatch(/^https:\/\/marquee\.example\/feed\.xml\?category=film&limit=5&cursor=/);
    expect(ch.lastBuildDate).toMatch(RFC822);
    expect(ch.ttl).toBe('15');
  });

  it('writes guid isPermaLink="false" tag: ids, <source url>, dc:creator, category and media:thumbnail', () => {
    const ch = xml(render('rss', 'limit=100')).rss.channel;
    const items: any[] = ch.item;
    // Every entry but one, a copy merged into its primary.
    expect(items).toHaveLength(ENTRIES.length - 1);
    for (const it of items) {
      expect(it.guid['@isPermaLink']).toBe('false'); // InvalidHttpGUID otherwise
      expect(text(it.guid)).toMatch(/^tag:marquee,2026:entry:[a-z]+:[0-9a-f]{16}$/);
      expect(it.pubDate).toMatch(RFC822); // InvalidRFC2822Date
      expect(it.source['@url']).toBe(SOURCES[text(it.guid).split(':')[3]].feed_url);
    }
    expect(new Set(items.map((i) => text(i.guid))).size).toBe(items.length); // DuplicateIds
    const oscars = items.find((i) => text(i.guid).endsWith('variety:0000000000000001'));
    expect(oscars.title).toBe('Oscars & <Stuff>: "the" nominees');
    expect(oscars.link).toEqual(['https://variety.com/2026/film/oscars?x=1&y=2']);
    expect(oscars['dc:creator']).toEqual(['Jane Doe', "Ann O'Neil"]);
    expect(oscars.category.map(text)).toEqual(['Film', 'Awards & Prizes']);
    expect(oscars['media:thumbnail']['@url']).toBe('https://i.example.com/oscars.jpg');
    // The image is no file the item carries: no enclosure.
    expect(oscars.enclosure).toBeUndefined();
    expect(oscars.source['#text']).toBe('Variety');
    expect(new Date(oscars.pubDate).toISOString()).toBe(ENTRIES[0].published);
    // Markup travels as escaped text and comes back intact, `]]>` included.
    expect(oscars.description).toBe(BODIES.get('variety:0000000000000001')![0]);
    expect(oscars['content:encoded']).toBe(BODIES.get('variety:0000000000000001')![1]);
    // The other member of its story is linked as related.
    expect(oscars['atom:link'].map((l: any) => l['@href'])).toContain('https://example.com/deadline-0000000000000002');
    const bell = items.find((i) => text(i.guid).endsWith('billboard:0000000000000004'));
    expect(bell['media:thumbnail']['@url']).toBe('https://img.example.com/photo?id=3');
    expect(bell.enclosure).toBeUndefined();
    expect(bell.link).toBeUndefined();
    // XML 1.0 forbids U+0007; it is dropped, the emoji survives.
    expect(bell.title).toBe('Bell rings \u{1F3B5} for <script>alert(1)</script>');
    // A non-http link never reaches a reader.
    const js = items.find((i) => text(i.guid).endsWith('billboard:0000000000000005'));
    expect(js.link).toBeUndefined();
  });

  it('writes plain text with & and < as hexadecimal references (RSS Board profile, "Encoding character data")', () => {
    const doc = render('rss', 'limit=100');
    expect(doc).toContain('<title>Oscars &#x26; &#x3C;Stuff&gt;: "the" nominees</title>');
    expect(doc).toContain('<category>Awards &#x26; Prizes</category>');
    expect(doc).toContain('>Billboard &#x26; Co</source>');
  });

  it("writes a podcast's first file as <enclosure> and the others as media:content (one enclosure per item)", () => {
    const items: any[] = xml(render('rss', 'limit=100')).rss.channel.item;
    const ep = items.find((i) => text(i.guid).endsWith('billboard:0000000000000006'));
    expect(ep.enclosure).toEqual({ '@url': 'https://audio.example.com/ep-180.mp3', '@length': '92555409', '@type': 'audio/mpeg' });
    expect(ep['media:content']).toEqual([
      { '@url': 'https://i.example.com/cover.jpg', '@type': 'image/jpeg', '@fileSize': '3551198' },
      // No type given and none in the URL: RSS and Media RSS still want one.
      { '@url': 'https://files.example.com/transcript', '@type': 'application/octet-stream' },
    ]);
    expect(ep['media:thumbnail']['@url']).toBe('https://i.example.com/cover.jpg');
  });

  it('puts description before content:encoded, and content alone in description (NeedDescriptionBeforeContent)', () => {
    const doc = render('rss', 'limit=100');
    for (const item of doc.split('<item>').slice(1)) {
      const d = item.indexOf('<description>');
      const c = item.indexOf('<content:encoded>');
      if (c >= 0) expect(d, item.slice(0, 200)).toBeGreaterThanOrEqual(0);
      if (c >= 0) expect(d).toBeLessThan(c);
    }
    const trailer = xml(doc).rss.channel.item.find((i: any) => text(i.guid).endsWith('deadline:0000000000000007'));
    expect(trailer['content:encoded']).toBeUndefined();
    expect(trailer.description).toContain('Video: Official trailer');
  });

  it('turns an allowed embed into a link to its video and drops controls (SecurityRisk, SecurityRiskAttr)', () => {
    const trailer = xml(render('rss', 'limit=100')).rss.channel.item.find((i: any) => text(i.guid).endsWith('deadline:0000000000000007'));
    expect(trailer.description).not.toMatch(/<iframe|controls/);
    expect(trailer.description).toContain('<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" rel="noopener noreferrer">Video: Official trailer</a>');
    expect(trailer.description).toContain('<video src="https://v.example.com/clip.mp4"></video>');
  });

  it('has no relative URL in any href or src inside the content (ContainsRelRef)', () => {
    const doc = render('rss', 'limit=100');
    const ch = xml(doc).rss.channel;
    for (const it of ch.item) {
      for (const html of [it.description, it['content:encoded']].filter(Boolean)) {
        for (const m of String(html).matchAll(/\s(?:href|src)="([^"]*)"/g)) expect(m[1]).toMatch(/^https?:\/\//);
      }
    }
  });
});

describe('Atom 1.0 (RFC 4287)', () => {
  it('has exactly one feed id, title and updated, self and alternate links, and a feed author (§4.1.1)', () => {
    const path = '/feed.atom?category=film&limit=5';
    const doc = render('atom', 'category=film&limit=5', path);
    expect(doc.match(/<id>/g)!.length).toBe(1 + 5 + 5); // feed + each entry + each entry's source
    // §4.2.11: the source carries updated too (the W3C validator: MissingSourceElement).
    expect(doc.match(/<source>\n<id>[^\n]*\n<title[^\n]*\n<updated>\d{4}-/g)!.length).toBe(5);
    const feed = xml(doc).feed;
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(typeof feed.id).toBe('string');
    expect(feed.updated).toMatch(RFC3339);
    expect(text(feed.title)).toContain('category: film');
    const links = Object.fromEntries(feed.link.map((l: any) => [l['@rel'], l['@href']]));
    expect(links.self).toBe(`${BASE}${path}`);
    expect(links.alternate).toBe(`${BASE}/`);
    expect(links.next).toMatch(/^https:\/\/marquee\.example\/feed\.atom\?category=film&limit=5&cursor=/);
    expect(feed.author[0].name).toBe('Marquee');
  });

  it('gives every page of one filtered feed the same tag: id, and other filters another', () => {
    const idOf = (search: string) => xml(render('atom', search)).feed.id;
    const film = idOf('category=film&limit=5');
    expect(film).toBe('tag:marquee,2026:feed?category=film');
    const page1 = xml(render('atom', 'category=film&limit=5')).feed;
    const next = page1.link.find((l: any) => l['@rel'] === 'next')['@href'];
    expect(idOf(new URL(next).search.slice(1))).toBe(film);
    expect(idOf('')).toBe('tag:marquee,2026:feed');
    expect(idOf('category=music')).not.toBe(film);
  });

  it('gives each entry a stable tag: id, RFC 3339 dates, html content and atom:source (§4.2.6, §4.2.11)', () => {
    const feed = xml(render('atom', 'limit=100')).feed;
    for (const e of feed.entry) {
      expect(e.id).toMatch(/^tag:marquee,2026:entry:/);
      expect(e.updated).toMatch(RFC3339);
      expect(e.published).toMatch(RFC3339);
      const src = SOURCES[e.id.split(':')[3]];
      expect(e.source.id).toBe(src.feed_url);
      expect(text(e.source.title)).toBe(src.title);
      expect(e.source.link.find((l: any) => l['@rel'] === 'self')['@href']).toBe(src.feed_url);
      expect(e.source.updated).toMatch(RFC3339);
      // §4.1.1.1: content, or a rel=alternate link.
      const alt = e.link?.find((l: any) => l['@rel'] === 'alternate');
      expect(alt || e.content).toBeTruthy();
      if (e.content) expect(e.content['@type']).toBe('html');
      // Textual content always (MissingTextualContent), never empty (NotBlank).
      expect(text(e.summary) || text(e.content)).not.toBe('');
      if (e.summary) expect(['html', 'text']).toContain(e.summary['@type']);
    }
    const headline = feed.entry.find((e: any) => e.id.endsWith('variety:0000000000000008'));
    expect(headline.summary).toEqual({ '@type': 'text', '#text': 'Headline only' });
    const ep = feed.entry.find((e: any) => e.id.endsWith('billboard:0000000000000006'));
    expect(ep.link.filter((l: any) => l['@rel'] === 'enclosure')).toEqual([
      { '@rel': 'enclosure', '@type': 'audio/mpeg', '@length': '92555409', '@href': 'https://audio.example.com/ep-180.mp3' },
      { '@rel': 'enclosure', '@type': 'image/jpeg', '@length': '3551198', '@href': 'https://i.example.com/cover.jpg' },
      { '@rel': 'enclosure', '@type': 'application/octet-stream', '@href': 'https://files.example.com/transcript' },
    ]);
    const trailer = feed.entry.find((e: any) => e.id.endsWith('deadline:0000000000000007'));
    expect(text(trailer.content)).toContain('>Video: Official trailer</a>');
    expect(text(trailer.content)).not.toContain('<iframe');
    const oscars = feed.entry.find((e: any) => e.id.endsWith('variety:0000000000000001'));
    expect(oscars['@xml:lang']).toBe('en-US');
    expect(oscars.author.map((a: any) => a.name)).toEqual(['Jane Doe', "Ann O'Neil"]);
    expect(oscars.updated).toBe(ENTRIES[0].updated);
    expect(oscars.content['#text']).toBe(BODIES.get('variety:0000000000000001')![1]);
    const bell = feed.entry.find((e: any) => e.id.endsWith('billboard:0000000000000004'));
    expect(bell.link?.find((l: any) => l['@rel'] === 'alternate')).toBeUndefined();
    expect(bell.content['#text']).toBe('<p>Bell rings \u{1F3B5} for &lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });
});

describe('JSON Feed 1.1', () => {
  it('validates against schemas/jsonfeed.schema.json with feed_url = the requested URL and next_url paging', () => {
    const path = '/feed.json?limit=5&whatever=1';
    const doc = JSON.parse(render('json', 'limit=5&whatever=1', path));
    expect(responseSchemaErrors('jsonfeed', doc)).toEqual([]);
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    expect(doc.feed_url).toBe(`${BASE}${path}`);
    expect(doc.next_url).toMatch(/^https:\/\/marquee\.example\/feed\.json\?limit=5&cursor=/);
    expect(doc.next_url).not.toBe(doc.feed_url);
    expect(doc.authors).toEqual([{ name: 'Marquee', url: `${BASE}/` }]);
    expect(doc._marquee.about).toMatch(/^https:\/\//);
  });

  it('maps every entry: content_html or content_text, RFC 3339 dates, image, tags, authors, language, _marquee', () => {
    const doc = JSON.parse(render('json', 'limit=100'));
    expect(responseSchemaErrors('jsonfeed', doc)).toEqual([]);
    for (const item of doc.items) {
      expect(item.content_html ?? item.content_text).toBeTruthy();
      expect(item.date_published).toMatch(RFC3339);
      expect(item._marquee.about).toBe(doc._marquee.about);
    }
    const oscars = doc.items.find((i: any) => i.id === 'variety:0000000000000001');
    expect(oscars).toMatchObject({
      url: 'https://variety.com/2026/film/oscars?x=1&y=2',
      content_html: BODIES.get('variety:0000000000000001')![1],
      summary: 'Who made it & who did not.',
      image: 'https://i.example.com/oscars.jpg',
      date_modified: ENTRIES[0].updated,
      tags: ['Film', 'Awards & Prizes'],
      authors: [{ name: 'Jane Doe' }, { name: "Ann O'Neil" }],
      language: 'en-US',
    });
    expect(oscars._marquee.duplicates).toEqual([{ id: 'deadline:0000000000000003', url: 'https://variety.com/2026/film/oscars?x=1&y=2', source_id: 'deadline', title: 'Oscars & <Stuff>: "the" nominees' }]);
    expect(oscars._marquee.story).toEqual({ id: 'st_oscars', size: 2, title: expect.any(String) });
    // No summary, no body: the title is the text content.
    const bell = doc.items.find((i: any) => i.id === 'billboard:0000000000000004');
    expect(bell.content_html).toBeUndefined();
    expect(bell.content_text).toBe('Bell\u0007 rings \u{1F3B5} for <script>alert(1)</script>');
    expect(bell.url).toBeUndefined();
    const js = doc.items.find((i: any) => i.id === 'billboard:0000000000000005');
    expect(js.url).toBeUndefined();
  });

  it('lists the files as attachments with mime_type, size and duration, and keeps the embed', () => {
    const doc = JSON.parse(render('json', 'limit=100'));
    const ep = doc.items.find((i: any) => i.id === 'billboard:0000000000000006');
    expect(ep.attachments).toEqual([
      { url: 'https://audio.example.com/ep-180.mp3', mime_type: 'audio/mpeg', size_in_bytes: 92555409, duration_in_seconds: 4627 },
      { url: 'https://i.example.com/cover.jpg', mime_type: 'image/jpeg', size_in_bytes: 3551198 },
      { url: 'https://files.example.com/transcript', mime_type: 'application/octet-stream' },
    ]);
    expect(doc.items.find((i: any) => i.id === 'variety:0000000000000001').attachments).toBeUndefined();
    // JSON Feed keeps the sandboxed embed (no validator rule forbids it; see jsonfeed.ts).
    expect(doc.items.find((i: any) => i.id === 'deadline:0000000000000007').content_html).toContain('<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"');
    // The schema is not vacuous about attachments.
    const broken = structuredClone(doc);
    broken.items.find((i: any) => i.id === 'billboard:0000000000000006').attachments[0] = { url: 'https://a.example/x.mp3', size_in_bytes: -1 };
    const errors = responseSchemaErrors('jsonfeed', broken).join('\n');
    expect(errors).toMatch(/mime_type/);
    expect(errors).toMatch(/size_in_bytes/);
  });
});

describe('OPML 2.0', () => {
  it('lists every source under its category with xmlUrl, escaped', () => {
    const sources = Object.values(SOURCES).map((s) => ({ id: s.id, url: s.feed_url, title: s.title, home_page_url: s.home_page_url, category: s.category }));
    const doc = xml(renderOpml(sources, BASE, '2026-11-26T12:00:00.000Z'));
    expect(doc.opml['@version']).toBe('2.0');
    expect(doc.opml.head.dateCreated).toMatch(RFC822);
    const folders = doc.opml.body.outline;
    expect(folders.map((f: any) => f['@text'])).toEqual(['film', 'music']);
    const feeds = folders.flatMap((f: any) => f.outline);
    expect(feeds.map((f: any) => f['@xmlUrl']).sort()).toEqual(Object.values(SOURCES).map((s) => s.feed_url).sort());
    for (const f of feeds) expect(f['@type']).toBe('rss');
  });
});

describe('renderers are pure', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('write the same bytes whatever the clock says', () => {
    const at = (iso: string) => {
      vi.useFakeTimers();
      vi.setSystemTime(new Date(iso));
      const out = (['rss', 'atom', 'json'] as const).map((f) => render(f, 'limit=100'));
      vi.useRealTimers();
      return out;
    };
    expect(at('2030-01-01T00:00:00Z')).toEqual(at('2001-05-05T05:05:05Z'));
  });
});
