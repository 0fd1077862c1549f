import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalUrl, resolveUrl, urlMatchKey } from '../../src/normalize/url';

describe('canonicalUrl', () => {
  it.each([
    ['HTTP://Example.COM:80/a?b=1#frag', 'http://example.com/a?b=1'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['https://example.com/a?utm_source=rss&utm_medium=feed&id=7', 'https://example.com/a?id=7'],
    ['https://www.bbc.co.uk/news/world-60993659?at_medium=RSS&at_campaign=KARANGA', 'https://www.bbc.co.uk/news/world-60993659'],
    ['https://example.com/a?fbclid=x&gclid=y&mc_cid=z&mc_eid=w', 'https://example.com/a'],
    ['https://example.com/a?q=a%20b&utm_term=x', 'https://example.com/a?q=a%20b'],
    ['https://example.com/a?ref=example.com&page=2', 'https://example.com/a?page=2'],
    ['https://medium.com/p/abc?source=rss----1', 'https://medium.com/p/abc'],
    ['https://example.com/a?source=rss', 'https://example.com/a?source=rss'],
    ['https://example.com/a?cid=123', 'https://example.com/a?cid=123'],
    ['https://example.com/a?', 'https://example.com/a'],
    ['https://example.com/a?gbraid=1&wbraid=2&srsltid=3&msclkid=4&yclid=5&twclid=6&ttclid=7', 'https://example.com/a'],
    ['https://example.com/a?_hsenc=1&__hstc=2&mkt_tok=3&mc_eid=4&oly_enc_id=5&vero_id=6&_branch_match_id=7', 'https://example.com/a'],
    ['https://www.heise.de/news/x.html?wt_mc=rss.red.ho.ho.atom.beitrag.beitrag', 'https://www.heise.de/news/x.html'],
    ['https://www.nytimes.com/2022/04/05/a.html?smid=tw-nytimes&smtyp=cur', 'https://www.nytimes.com/2022/04/05/a.html'],
    ['https://www.theguardian.com/a?CMP=Share_iOSApp_Other', 'https://www.theguardian.com/a'],
    ['https://example.com/a?UTM_Source=x&Page=2', 'https://example.com/a?Page=2'],
    ['https://example.com/search?q=utm_source', 'https://example.com/search?q=utm_source'],
    ['https://Example.com./a?x=1#f', 'https://example.com/a?x=1'],
    ['https://user:pw@example.com.:8443/a', 'https://user:pw@example.com:8443/a'],
    ['https://münchen.de/?utm_source=x', 'https://xn--mnchen-3ya.de/'],
    ['http://example.com/a b?c=d e', 'http://example.com/a%20b?c=d%20e'],
    ['https://example.com/a?x=1&&y=2&', 'https://example.com/a?x=1&y=2'],
  ])('%s', (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
  });

  it('keeps the fragment only when asked', () => {
    expect(canonicalUrl('http://Scripting.example/2022/04/05.html?utm_source=x#a080605')).toBe('http://scripting.example/2022/04/05.html');
    expect(canonicalUrl('http://Scripting.example/2022/04/05.html?utm_source=x#a080605', true)).toBe('http://scripting.example/2022/04/05.html#a080605');
    expect(canonicalUrl('http://s.example/a#', true)).toBe('http://s.example/a');
  });

  it('refuses non-http URLs', () => {
    expect(canonicalUrl('javascript:alert(1)')).toBeNull();
    expect(canonicalUrl('mailto:a@b.c')).toBeNull();
    expect(canonicalUrl('/relative')).toBeNull();
  });
});

describe('resolveUrl', () => {
  it('resolves against the innermost base that works, bases relative to each other', () => {
    expect(resolveUrl('b.html', 'http://x.com/dir/', 'http://feed.com/feed.xml')).toBe('http://x.com/dir/b.html');
    expect(resolveUrl('b.html', 'sub/', 'http://x.com/dir/')).toBe('http://x.com/dir/sub/b.html');
    expect(resolveUrl('/b.html', null, undefined, 'http://feed.com/feeds/a.xml')).toBe('http://feed.com/b.html');
    expect(resolveUrl('//cdn.com/i.png', 'https://x.com/')).toBe('https://cdn.com/i.png');
    expect(resolveUrl('b.html')).toBeNull();
    expect(resolveUrl('javascript:alert(1)', 'http://x.com/')).toBeNull();
  });
});

describe('urlMatchKey', () => {
  it('ignores scheme, www. and a trailing slash', () => {
    expect(urlMatchKey('https://www.example.com/a/')).toBe(urlMatchKey('http://example.com/a'));
    expect(urlMatchKey('https://example.com/a?x=1')).not.toBe(urlMatchKey('https://example.com/a?x=2'));
  });
});

describe('resolveUrl fast path', () => {
  it('returns exactly what WHATWG URL serializes, for every absolute URL in the fixtures', () => {
    const dir = join(__dirname, '..', 'fixtures', 'feeds');
    const urls = new Set<string>();
    for (const f of readdirSync(dir)) {
      for (const m of readFileSync(join(dir, f), 'latin1').matchAll(/https?:\/\/[^\s"'<>)\]]+/g)) urls.add(m[0].replace(/&amp;/g, '&'));
    }
    expect(urls.size).toBeGreaterThan(300);
    for (const u of urls) {
      let expected: string | null;
      try {
        expected = new URL(u).href;
      } catch {
        expected = null;
      }
      expect(resolveUrl(u), u).toBe(expected);
    }
  });
});
