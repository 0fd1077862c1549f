/**
 * Charset decoding inside workerd, where it runs in production: workerd's
 * TextDecoder (ICU) is not Node's, so the legacy-charset fixtures are decoded
 * and parsed here and must give exactly what the Node golden tests recorded
 * (test/fixtures/golden). Also checks that workerd knows every WHATWG
 * encoding label we may be handed, and that DecompressionStream, which
 * decodeTransport uses, works here.
 */
import { describe, expect, it } from 'vitest';
import { normalizeFeed } from '../../src/normalize/index';
import { decodeBody, decodeTransport, parseFeedBody } from '../../src/parse/index';
import golem from '../fixtures/golden/golem-iso-8859-1.rdf.json';
import jnIso from '../fixtures/golden/jn-iso-8859-1.rss.json';
import jnUtf16 from '../fixtures/golden/jn-utf-16le.rss.json';
import gbk from '../fixtures/golden/kc0011-gbk.rss.json';
import cp1252 from '../fixtures/golden/miniflux-windows-1252.xml.json';
import { CHARSET_FIXTURES } from './charset-fixtures';

const NOW = new Date('2026-11-26T08:00:00Z');
const GOLDEN: Record<string, any> = {
  'kc0011-gbk.rss': gbk,
  'miniflux-windows-1252.xml': cp1252,
  'jn-iso-8859-1.rss': jnIso,
  'golem-iso-8859-1.rdf': golem,
  'jn-utf-16le.rss': jnUtf16,
};

const bytesOf = (name: string) => Uint8Array.from(atob(CHARSET_FIXTURES[name]), (c) => c.charCodeAt(0));

/** What test/parse/golden.test.ts records, computed here in workerd. */
function goldenShape(name: string) {
  const { feed, encoding, repaired } = parseFeedBody(bytesOf(name), null);
  const feedUrl = `http://fixtures.test/feeds/${name}`;
  const entries = normalizeFeed(feed, { source: { id: 'src', url: feedUrl, title: null, home_page_url: null, category: null }, feedUrl, now: NOW });
  return {
    format: feed.format, version: feed.version, encoding, repaired, title: feed.title, link: feed.link,
    entries: entries.map(({ fullText, ...e }) => ({ ...e, fullTextChars: fullText.length })),
  };
}

describe('charsets in workerd', () => {
  it.each(Object.keys(GOLDEN))('%s parses exactly as in Node', (name) => {
    expect(goldenShape(name)).toEqual(GOLDEN[name]);
  });

  it('decodes GB2312 (read as GBK), windows-1252, ISO-8859-1 and UTF-16 to the right characters', () => {
    expect(decodeBody(bytesOf('kc0011-gbk.rss'))).toMatchObject({ encoding: 'gbk', via: 'prolog' });
    expect(parseFeedBody(bytesOf('kc0011-gbk.rss')).feed.title).toBe('投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文');
    expect(decodeBody(bytesOf('miniflux-windows-1252.xml')).text).toContain('<title>Euro €</title>');
    expect(decodeBody(bytesOf('jn-iso-8859-1.rss'))).toMatchObject({ encoding: 'windows-1252', text: expect.stringContaining('Mãe de utente é') });
    expect(decodeBody(bytesOf('jn-utf-16le.rss'))).toMatchObject({ encoding: 'utf-16le', via: 'bom', text: expect.stringContaining('Mãe de utente é') });
    // The HTTP charset wins over the prolog (here a wrong one, to show it is used).
    expect(decodeBody(bytesOf('jn-iso-8859-1.rss'), 'text/xml; charset=koi8-r')).toMatchObject({ encoding: 'koi8-r', via: 'http' });
  });

  it('has a TextDecoder for every WHATWG encoding name (Encoding Standard §4.2)', () => {
    const names = ['utf-8', 'ibm866', 'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6', 'iso-8859-7', 'iso-8859-8',
      'iso-8859-8-i', 'iso-8859-10', 'iso-8859-13', 'iso-8859-14', 'iso-8859-15', 'iso-8859-16', 'koi8-r', 'koi8-u', 'macintosh',
      'windows-874', 'windows-1250', 'windows-1251', 'windows-1252', 'windows-1253', 'windows-1254', 'windows-1255', 'windows-1256',
      'windows-1257', 'windows-1258', 'x-mac-cyrillic', 'gbk', 'gb18030', 'big5', 'euc-jp', 'iso-2022-jp', 'shift_jis', 'euc-kr',
      'utf-16be', 'utf-16le', 'x-user-defined', 'gb2312', 'latin1', 'ascii', 'us-ascii', 'sjis', 'cp1252'];
    const missing = names.filter((n) => {
      try {
        new TextDecoder(n);
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });

  it('inflates a gzip body with DecompressionStream', async () => {
    const original = bytesOf('jn-utf-16le.rss');
    const gz = new Uint8Array(await new Response(new Blob([original]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
    expect(await decodeTransport(gz)).toEqual(original);
  });
});
