/**
 * normalizeFeed's fallback chains and identity rules, on small documents
 * written to show one rule each.
 */
import { describe, expect, it } from 'vitest';
import { feedTitleText, normalizeFeed, type NormalizedEntry } from '../../src/normalize/index';
import { parseFeedText } from '../../src/parse/index';

const NOW = new Date('2026-11-26T08:00:00Z');
const FEED_URL = 'https://feeds.example.test/news.xml';

function entries(xml: string, feedUrl = FEED_URL): NormalizedEntry[] {
  const { feed } = parseFeedText(xml);
  return normalizeFeed(feed, { source: { id: 's', url: feedUrl, title: null, home_page_url: null, category: null }, feedUrl, now: NOW });
}
const rss = (items: string, channel = '<link>https://www.example.test/</link>') =>
  `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>${channel}${items}</channel></rss>`;

describe('title', () => {
  it('is plain text: tags stripped, entities decoded once, whitespace collapsed', () => {
    const [a, b, c] = entries(rss(`
      <item><title>&lt;b&gt;Bold&lt;/b&gt;   news &amp;amp; more</title></item>
      <item><title><![CDATA[AT&amp;T &lt;3 <i>fans</i>]]></title></item>
      <item><title>Caf&amp;eacute;
        society</title></item>`));
    expect(a.title).toBe('Bold news & more');
    expect(b.title).toBe('AT&T <3 fans');
    expect(c.title).toBe('Café society');
  });

  it('falls back to the start of the summary, then to the URL', () => {
    const [a, b] = entries(rss(`
      <item><description>&lt;p&gt;${'A long summary sentence. '.repeat(10)}&lt;/p&gt;</description><link>https://x.test/a</link></item>
      <item><link>https://x.test/news/oscar-nominations-announced.html</link></item>`));
    expect(a.title.length).toBeLessThanOrEqual(100);
    expect(a.title).toMatch(/^A long summary sentence\. A long.*…$/);
    expect(b.title).toBe('oscar nominations announced');
  });
});

describe('image: media, then enclosure, then itunes:image, then the first sizeable <img>', () => {
  const item = (parts: string) => entries(rss(`<item><title>t</title>${parts}</item>`))[0].image;
  it('takes the largest Media RSS image first', () => {
    expect(item('<media:thumbnail url="https://i.test/small.jpg" width="150" height="100"/><media:content url="https://i.test/big.jpg" medium="image" width="1200" height="800"/><enclosure url="https://i.test/e.jpg" type="image/jpeg"/>'))
      .toBe('https://i.test/big.jpg');
  });
  it('then an image enclosure, then itunes:image', () => {
    expect(item('<enclosure url="https://i.test/a.mp3" type="audio/mpeg"/><enclosure url="https://i.test/e.jpg" type="image/jpeg"/><itunes:image href="https://i.test/p.jpg"/>')).toBe('https://i.test/e.jpg');
    expect(item('<enclosure url="https://i.test/a.mp3" type="audio/mpeg"/><itunes:image href="https://i.test/p.jpg"/>')).toBe('https://i.test/p.jpg');
  });
  it('then the first sizeable image of the content, skipping pixels, emoji and avatars; relative ones resolved', () => {
    expect(item(`<content:encoded><![CDATA[<img src="https://feeds.feedburner.com/~r/x/~4/y" width="1" height="1">
      <img src="https://s.w.org/images/core/emoji/14.0.0/72x72/1f600.png" width="72" height="72">
      <img src="https://secure.gravatar.com/avatar/abc?s=96"> <img src="/img/photo.jpg" width="800">]]></content:encoded>`))
      .toBe('https://www.example.test/img/photo.jpg');
    expect(item('<description>no images</description>')).toBeNull();
  });
});

describe('identity', () => {
  const feed = (items: string) => entries(rss(items));
  it('comes from the guid, so it survives title and link edits and reordering', () => {
    const [a] = feed('<item><guid isPermaLink="false">id-1</guid><title>First</title><link>https://x.test/a</link></item>');
    const [b] = feed('<item><title>Other</title><guid isPermaLink="false">id-0</guid></item><item><guid isPermaLink="false">id-1</guid><title>First, edited</title><link>https://x.test/a?utm_source=rss</link></item>').slice(1);
    expect(b.id).toBe(a.id);
    expect(b.contentHash).not.toBe(a.contentHash);
  });
  it('else from the canonical URL (tracking parameters do not change it), else from title and date', () => {
    const [a] = feed('<item><title>A</title><link>https://x.test/a?utm_source=rss</link></item>');
    const [b] = feed('<item><title>A changed</title><link>https://x.test/a#comments</link></item>');
    expect(b.id).toBe(a.id);
    const [c] = feed('<item><title>No link</title><pubDate>Tue, 05 Apr 2022 10:04:42 GMT</pubDate></item>');
    const [d] = feed('<item><title>No link</title><pubDate>Wed, 06 Apr 2022 10:04:42 GMT</pubDate></item>');
    expect(c.id).not.toBe(d.id);
  });
  it('drops an item listed twice, keeps distinct items that share a guid; the first keeps its id', () => {
    const one = '<item><guid>https://x.test/1</guid><title>One</title></item>';
    const [alone] = feed(one);
    const list = feed(`${one}${one}<item><guid>https://x.test/1</guid><title>Another story</title><link>https://x.test/2</link></item>`);
    expect(list.map((e) => e.title)).toEqual(['One', 'Another story']);
    expect(list[0].id).toBe(alone.id);
    expect(list[1].id).not.toBe(alone.id);
  });
});

describe('URLs', () => {
  it('resolves against xml:base (relative to the document), else the feed link, else the feed URL', () => {
    const [a, b] = entries(rss(`<item xml:base="/blog/"><title>a</title><link>post-1</link></item><item><title>b</title><link>/post-2</link></item>`, '<link>https://site.test/</link>'));
    expect(a.url).toBe('https://feeds.example.test/blog/post-1');
    expect(b.url).toBe('https://site.test/post-2');
    const [c] = entries(rss('<item><title>c</title><link>post-3</link></item>', ''), 'https://feeds.example.test/dir/feed.xml');
    expect(c.url).toBe('https://feeds.example.test/dir/post-3');
  });
  it('keeps the original URL beside the canonical one and makes every URL in content absolute', () => {
    const [a] = entries(rss('<item><title>a</title><link>https://WWW.Site.test:443/a?id=3&amp;utm_medium=feed&amp;fbclid=x#top</link><description>&lt;a href="../b"&gt;b&lt;/a&gt; &lt;img src="//cdn.test/i.png" srcset="/s.png 2x"&gt;</description></item>', '<link>https://site.test/news/</link>'));
    expect(a.url).toBe('https://www.site.test/a?id=3');
    expect(a.originalUrl).toBe('https://www.site.test/a?id=3&utm_medium=feed&fbclid=x#top');
    expect(a.summaryHtml).toContain('href="https://site.test/b"');
    expect(a.summaryHtml).toContain('src="https://cdn.test/i.png" srcset="https://site.test/s.png 2x"');
  });
  it('uses a permalink guid as the link only when it is a URL', () => {
    const [a, b] = entries(rss('<item><title>a</title><guid>https://x.test/p/1</guid></item><item><title>b</title><guid>post-2</guid></item>'));
    expect(a.url).toBe('https://x.test/p/1');
    expect(b.url).toBeNull();
  });
});

describe('permalink fragments', () => {
  it('stay where they tell items of the feed apart, and go where they only point into an article', () => {
    const [a, b, c, d] = entries(rss(`
      <item><guid>1</guid><description>one</description><link>http://scripting.example/2022/04/05.html#a080605</link></item>
      <item><guid>2</guid><description>two</description><link>http://scripting.example/2022/04/05.html#a080611</link></item>
      <item><guid>3</guid><description>three</description><link>http://scripting.example/2022/04/05.html?utm_source=rss#a080622</link></item>
      <item><guid>4</guid><title>Elsewhere</title><link>http://news.example/story#comments</link></item>`));
    expect([a.url, b.url, c.url]).toEqual([
      'http://scripting.example/2022/04/05.html#a080605', 'http://scripting.example/2022/04/05.html#a080611', 'http://scripting.example/2022/04/05.html#a080622',
    ]);
    expect(d.url).toBe('http://news.example/story');
  });

  it('do not change ids: an entry keeps the id it had before fragments were kept', () => {
    const page = (frag: string) => entries(rss(`<item><title>Post</title><link>https://s.example/day.html${frag}</link></item><item><title>Other</title><link>https://s.example/day.html#b</link></item>`));
    const [withFragment] = page('#a');
    const [plain] = entries(rss('<item><title>Post</title><link>https://s.example/day.html</link></item>'));
    expect(withFragment.url).toBe('https://s.example/day.html#a');
    expect(withFragment.id).toBe(plain.id);
  });
});

describe('double-escaped and Media RSS text', () => {
  it('decodes character references left in a plain-text title once more (JSON Feed, Atom type="text")', () => {
    const { feed } = parseFeedText(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'Pixel Envy', items: [{ id: '1', title: 'FCC Says Releasing &#8216;Jokes&#8217; Would &#8216;Harm&#8217; Agency', content_text: 'x' }] }));
    const [e] = normalizeFeed(feed, { source: { id: 's', url: FEED_URL, title: null, home_page_url: null, category: null }, feedUrl: FEED_URL, now: NOW });
    expect(e.title).toBe('FCC Says Releasing ‘Jokes’ Would ‘Harm’ Agency');
    const [atom] = entries('<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>1</id><title type="text">Menus, Lists &amp;amp; Dictionaries</title></entry></feed>');
    expect(atom.title).toBe('Menus, Lists & Dictionaries');
  });

  it('takes media:group/media:description as the summary of a YouTube entry, paragraphs kept', () => {
    const [e] = entries(`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><title>t</title><entry><id>yt:video:1</id>
      <title>Episode 1</title><link rel="alternate" href="https://www.youtube.com/watch?v=1"/><media:group><media:title>Episode 1</media:title>
      <media:thumbnail url="https://i1.ytimg.com/vi/1/hqdefault.jpg" width="480" height="360"/>
      <media:description>Bells Hells travel the skies.

Sponsored by Thorum &amp; friends.
More at https://thorum.example</media:description></media:group></entry></feed>`);
    expect(e.summaryText).toBe('Bells Hells travel the skies. Sponsored by Thorum & friends. More at https://thorum.example');
    expect(e.summaryHtml).toBe('<p>Bells Hells travel the skies.</p><p>Sponsored by Thorum &amp; friends.<br>More at https://thorum.example</p>');
    expect(e.image).toBe('https://i1.ytimg.com/vi/1/hqdefault.jpg');
  });
});

describe('dates', () => {
  it('records why the first-seen time stands in for a date', () => {
    const [missing, bad, future, ok] = entries(rss(`<item><title>1</title></item><item><title>2</title><pubDate>someday</pubDate></item>
      <item><title>3</title><pubDate>Fri, 01 Jan 2027 00:00:00 GMT</pubDate></item><item><title>4</title><pubDate>2026-11-25T10:00:00-05:00</pubDate></item>`));
    expect(missing).toMatchObject({ published: NOW.toISOString(), dateInferred: 'missing', dateOriginal: null, firstSeen: NOW.toISOString() });
    expect(bad).toMatchObject({ published: NOW.toISOString(), dateInferred: 'unparseable', dateOriginal: 'someday' });
    expect(future).toMatchObject({ published: NOW.toISOString(), dateInferred: 'future', dateOriginal: 'Fri, 01 Jan 2027 00:00:00 GMT' });
    expect(ok).toMatchObject({ published: '2026-11-25T15:00:00.000Z', dateInferred: null });
  });
});

describe('feed title', () => {
  it('is plain text, whatever the format escaped', () => {
    expect(feedTitleText(parseFeedText('<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">AT&amp;T &lt;news&gt;</title></feed>').feed)).toBe('AT&T <news>');
    expect(feedTitleText(parseFeedText(rss('').replace('<title>T</title>', '<title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; co</title>')).feed)).toBe('Bold & co');
    expect(feedTitleText(parseFeedText(rss('').replace('<title>T</title>', '')).feed)).toBeNull();
  });
});
