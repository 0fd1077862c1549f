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
  ])('%s', (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
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
