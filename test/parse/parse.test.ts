/**
 * The parse stage's contract: coded errors, entity expansion that never
 * happens, transport decoding, recovery from truncation, and the formats.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repairTruncatedJson } from '../../src/parse/json';
import { decodeTransport, MAX_PARSE_BYTES, parseFeedBody, parseFeedText } from '../../src/parse/index';

const enc = (s: string) => new TextEncoder().encode(s);
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'no error';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
};

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const RSS = (items: string) => `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://example.test/</link>${items}</channel></rss>`;

describe('coded errors', () => {
  it.each([
    ['EMPTY_FEED', ''],
    ['EMPTY_FEED', '   \n  '],
    ['NOT_A_FEED', '<!DOCTYPE html><html><head><title>Home</title></head><body><p>hi</p></body></html>'],
    ['NOT_A_FEED', '<html><body>no feed here</body></html>'],
    ['UNSUPPORTED_FORMAT', '<?xml version="1.0"?><opml version="2.0"><body><outline text="x"/></body></opml>'],
    ['UNSUPPORTED_FORMAT', '{"data": [1, 2, 3]}'],
    ['UNSUPPORTED_FORMAT', '[1, 2, 3]'],
    ['INVALID_FEED', 'just some text'],
    ['INVALID_FEED', '{"version": "https://jsonfeed.org/version/1.1", "items": [ {"id": '],
    ['INVALID_FEED', '<'],
  ])('%s for %j', (code, body) => {
    expect(codeOf(() => parseFeedBody(enc(body)))).toBe(code);
  });

  it('TOO_LARGE above the limit, before reading anything', () => {
    expect(codeOf(() => parseFeedBody(new Uint8Array(MAX_PARSE_BYTES + 1)))).toBe('TOO_LARGE');
    expect(codeOf(() => parseFeedBody(enc(RSS('')), null, { maxBytes: 10 }))).toBe('TOO_LARGE');
  });

  it('BAD_ENCODING for a gzip body handed to the sync parser, and for a broken one', async () => {
    const gz = await gzip(enc(RSS('<item><title>a</title></item>')));
    expect(codeOf(() => parseFeedBody(gz))).toBe('BAD_ENCODING');
    await expect(decodeTransport(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]))).rejects.toMatchObject({ code: 'BAD_ENCODING' });
  });

  it('messages start with the stage', () => {
    expect(() => parseFeedBody(enc('<html><body></body></html>'))).toThrow(/^parse: /);
    expect(() => parseFeedBody(enc('{"not": "a feed"}'))).toThrow(/^parse: /);
  });
});

describe('entity expansion never happens', () => {
  // Ten levels of ten references each: expanded, the title would be 10^9 "lol"s (3 GB).
  const lols = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('\n');
  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol0 "lol">
  ${lols}
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol5;&lol9;</description></item></channel></rss>`;

  it('reads a billion-laughs document to its literal references, in linear time and space', () => {
    expect(billionLaughs.length).toBeLessThan(2_000);
    const { feed } = parseFeedBody(enc(billionLaughs));
    expect(feed.title).toBe('&lol9;');
    expect(feed.items[0].title).toBe('&lol9;');
    // Output bounded by the input: nothing was expanded.
    expect(JSON.stringify(feed).length).toBeLessThan(billionLaughs.length);
  });

  it('never resolves an external entity (no file or network access exists in parse)', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://evil.test/x">]>
<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title><description>&net;</description></item></channel></rss>`;
    const { feed } = parseFeedBody(enc(xxe));
    expect(feed.items[0].title).toBe('&xxe;');
    expect(feed.items[0].summary).toBe('&net;');
  });

  it('substitutes a one-letter internal entity (issue 13 item 11)', () => {
    const doc = `<!DOCTYPE rss [<!ENTITY a "Hello">]><rss version="2.0"><channel><title>&a;, world</title></channel></rss>`;
    expect(parseFeedBody(enc(doc)).feed.title).toBe('Hello, world');
  });

  it('substitutes flat internal entities (literal text) but never nested ones, within a budget', () => {
    const doc = `<!DOCTYPE rss [<!ENTITY site "tag:example.com,"><!ENTITY nbsp "&#160;"><!ENTITY nested "&site;x"><!ENTITY tag "<b>">]>
<rss version="2.0"><channel><title>a&nbsp;b</title><item><guid isPermaLink="false">&site;2006:/x</guid><title>&nested; &tag;</title></item></channel></rss>`;
    const { feed } = parseFeedBody(enc(doc));
    expect(feed.title).toBe('a\u00a0b');
    expect(feed.items[0].guid).toBe('tag:example.com,2006:/x');
    expect(feed.items[0].title).toBe('&nested; &tag;');
    // A 1 KB entity referenced 2,000 times: substitutions stop at the 1 MB budget, the rest stay literal.
    const big = `<!DOCTYPE rss [<!ENTITY k "${'k'.repeat(1000)}">]><rss version="2.0"><channel><title>${'&k;'.repeat(2000)}</title></channel></rss>`;
    const title = parseFeedBody(enc(big)).feed.title!;
    expect(title.length).toBeLessThan(1_010_000);
    expect(title).toContain('&k;');
  });

  it('a parameter-entity DOCTYPE with quotes and brackets in it is skipped whole', () => {
    const doc = `<!DOCTYPE rss [<!ENTITY % p "<!ENTITY x ']>'>"> %p; <!-- ] > -->]><rss version="2.0"><channel><title>ok</title></channel></rss>`;
    expect(parseFeedBody(enc(doc)).feed.title).toBe('ok');
  });
});

describe('transport', () => {
  it('decodeTransport inflates a gzip body sent without Content-Encoding, and leaves others alone', async () => {
    const plain = enc(RSS('<item><title>gz</title></item>'));
    const inflated = await decodeTransport(await gzip(plain));
    expect(inflated).toEqual(plain);
    expect(await decodeTransport(plain)).toBe(plain);
    expect(parseFeedBody(inflated).feed.items[0].title).toBe('gz');
  });

  it('refuses a gzip bomb once it inflates past the limit', async () => {
    const bomb = await gzip(new Uint8Array(4 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(10_000);
    await expect(decodeTransport(bomb, { maxBytes: 1024 * 1024 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });
});

describe('recovery', () => {
  it('keeps the complete items of an XML document cut off mid-item', () => {
    const full = RSS('<item><title>one</title></item><item><title>two</title></item><item><title>three</title><link>https://three.test/</link></item>');
    const cut = full.slice(0, full.indexOf('https://three') + 10);
    const r = parseFeedText(cut);
    expect(r.repaired).toBe(true);
    expect(r.feed.items.map((i) => i.title)).toEqual(['one', 'two']);
  });

  it('recovers from stray end tags, unclosed HTML in descriptions and control characters', () => {
    const r = parseFeedText(RSS('</span><item><title>a\u0001b</title><description><p>para<br>line</description></item>'));
    expect(r.repaired).toBe(true);
    expect(r.feed.items[0].title).toBe('ab');
    expect(r.feed.items[0].summary).toBe('<p>para<br>line');
  });

  it('repairs truncated JSON at the last complete item', () => {
    expect(repairTruncatedJson('{"items":[{"id":"1"},{"id":"2"},{"id":"3","ti')).toBe('{"items":[{"id":"1"},{"id":"2"}]}');
    expect(repairTruncatedJson('{"a":"x]}"')).toBeNull();
    expect(repairTruncatedJson('{"items":[]}')).toBeNull();
  });
});

describe('formats and namespaces', () => {
  it('reads Atom with a prefixed namespace, an Atom entry document and RSS 1.0 with a prefixed vocabulary', () => {
    const prefixed = parseFeedText('<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>F</a:title><a:entry><a:id>1</a:id><a:title>E</a:title><a:link href="https://x.test/1"/></a:entry></a:feed>').feed;
    expect(prefixed).toMatchObject({ format: 'atom', title: 'F', items: [{ guid: '1', title: 'E', link: 'https://x.test/1' }] });
    const entryDoc = parseFeedText('<entry xmlns="http://www.w3.org/2005/Atom"><id>e1</id><title>Only</title></entry>').feed;
    expect(entryDoc.items).toMatchObject([{ guid: 'e1', title: 'Only' }]);
    const rdf = parseFeedText('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:r="http://purl.org/rss/1.0/"><r:channel><r:title>C</r:title></r:channel><r:item rdf:about="https://x.test/i"><r:title>I</r:title></r:item></rdf:RDF>').feed;
    expect(rdf).toMatchObject({ format: 'rdf', version: 'rss 1.0', title: 'C', items: [{ guid: 'https://x.test/i', link: 'https://x.test/i', title: 'I' }] });
  });

  it('maps a namespace by its URI, whatever prefix the document chose', () => {
    const { feed } = parseFeedText(RSS('<item xmlns:foo="http://purl.org/dc/elements/1.1/" xmlns:m="http://search.yahoo.com/mrss/"><foo:creator>Ann</foo:creator><m:thumbnail url="https://x.test/t.jpg" width="300" height="200"/></item>'));
    expect(feed.items[0].authors).toEqual(['Ann']);
    expect(feed.items[0].images).toEqual([{ url: 'https://x.test/t.jpg', width: 300, height: 200, origin: 'media:thumbnail' }]);
  });

  it('reads enclosures, Atom link rel=enclosure inside RSS, media:group and itunes:image', () => {
    const { feed } = parseFeedText(RSS(`<item xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
      <enclosure url="https://x.test/a.mp3" type="audio/mpeg" length="123"/>
      <atom:link rel="enclosure" href="https://x.test/b.jpg" type="image/jpeg"/>
      <media:group><media:content url="https://x.test/c.jpg" medium="image" width="800" height="600"/></media:group>
      <itunes:image href="https://x.test/d.jpg"/></item>`));
    const it = feed.items[0];
    expect(it.enclosures).toEqual([{ url: 'https://x.test/a.mp3', type: 'audio/mpeg', length: 123 }, { url: 'https://x.test/b.jpg', type: 'image/jpeg', length: null }]);
    expect(it.images.map((i) => i.origin)).toEqual(['media:content', 'enclosure', 'itunes:image']);
  });

  it('reads JSON Feed 1.0 and 1.1 authors, and RSS in JSON', () => {
    const v10 = parseFeedText(JSON.stringify({ version: 'https://jsonfeed.org/version/1', title: 'J', author: { name: 'A' }, items: [{ id: 1, title: 'x < y', url: 'https://x.test/1' }] })).feed;
    expect(v10).toMatchObject({ format: 'json', version: 'json 1.0', items: [{ guid: '1', title: 'x &lt; y', authors: ['A'] }] });
    const rssJson = parseFeedText(JSON.stringify({ rss: { version: '2.0', channel: { title: 'S', link: 'https://s.test/', item: [{ title: 'T', link: 'https://s.test/1', guid: 'g1', pubDate: 'Mon, 26 Jun 2017 19:40:58 GMT' }] } } })).feed;
    expect(rssJson).toMatchObject({ format: 'rss', title: 'S', items: [{ title: 'T', link: 'https://s.test/1', guid: 'g1', published: 'Mon, 26 Jun 2017 19:40:58 GMT' }] });
  });

  it('finds a feed wrapped in an HTML page', () => {
    const { feed, repaired } = parseFeedText('<html><body><feed xmlns="http://www.w3.org/2005/Atom"><title>Inside</title><entry><id>1</id></entry></feed></body></html>');
    expect(feed).toMatchObject({ format: 'atom', title: 'Inside' });
    expect(repaired).toBe(true);
  });
});

describe('WebSub discovery (W3C WebSub §4)', () => {
  const fixture = (name: string) => parseFeedBody(new Uint8Array(readFileSync(join(__dirname, '..', 'fixtures', 'feeds', name))), null).feed;

  it('finds the hub and the self URL (the topic) that FeedBurner writes with an atom10 prefix, in RSS and Atom', () => {
    expect([fixture('pcmag-feedburner-pixels.xml').hubs, fixture('pcmag-feedburner-pixels.xml').self]).toEqual([['http://pubsubhubbub.appspot.com/'], 'http://feeds.feedburner.com/ziffdavis/pcmag/dvorak']);
    expect([fixture('typepad-xml-base.atom').hubs, fixture('typepad-xml-base.atom').self]).toEqual([['http://pubsubhubbub.appspot.com/'], 'http://feeds.feedburner.com/TypePadNews']);
    expect(fixture('bbc-world.xml').hubs).toBeUndefined();
  });

  it('reads several hubs, relative and non-http ones dropped, and JSON Feed hubs of type WebSub with feed_url', () => {
    const rss = parseFeedText(`<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>
      <atom:link rel="hub" href="https://a.example/"/><atom:link rel="hub" href="/relative"/><atom:link rel="hub" href="ftp://b.example/"/>
      <atom:link rel="hub" href="https://c.example/hub"/><atom:link rel="self" href="https://news.example/feed"/></channel></rss>`).feed;
    expect([rss.hubs, rss.self]).toEqual([['https://a.example/', 'https://c.example/hub'], 'https://news.example/feed']);
    const json = parseFeedText(JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1', title: 't', feed_url: 'https://news.example/feed.json', items: [],
      hubs: [{ type: 'rssCloud', url: 'https://cloud.example/' }, { type: 'WebSub', url: 'https://hub.example/' }],
    })).feed;
    expect([json.hubs, json.self]).toEqual([['https://hub.example/'], 'https://news.example/feed.json']);
    const none = parseFeedText(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 't', items: [], hubs: [{ type: 'rssCloud', url: 'https://c/' }] })).feed;
    expect(none.hubs).toBeUndefined();
  });
});
