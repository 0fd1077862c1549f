/**
 * Inputs for bench/parse.bench.ts: the real captures of ../shared/corpus (or
 * the committed fixtures when the corpus is absent) and synthetic RSS feeds
 * of any size, made deterministically (same seed, same bytes) so that runs
 * compare like with like.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../scripts/eval/score';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CORPUS_REAL = join(HERE, '..', '..', 'shared', 'corpus', 'feeds', 'real');
const FIXTURES = join(HERE, '..', 'test', 'fixtures', 'feeds');

function walk(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** XML feeds (RSS, RDF, Atom): what rss-parser can read too. JSON Feeds are left out of the comparison. */
export function realFeeds(): { source: string; files: Array<{ path: string; bytes: Uint8Array }> } {
  const dir = existsSync(CORPUS_REAL) ? CORPUS_REAL : FIXTURES;
  const files = walk(dir)
    .filter((p) => /\.(xml|rss|atom|rdf)$/.test(p))
    .map((path) => ({ path, bytes: new Uint8Array(readFileSync(path)) }))
    .filter((f) => !(f.bytes[0] === 0x1f && f.bytes[1] === 0x8b)); // the one gzip capture: rss-parser cannot read it
  return { source: dir, files };
}

const WORDS = ('the premiere festival award nominee studio box office trailer sequel director casting season finale album tour ' +
  'chart single streaming series network showrunner red carpet interview exclusive review soundtrack producer label ' +
  'grammy oscar emmy cannes venue ticket release date announced report sources confirmed reunion biopic spinoff').split(' ');

/** The synthetic feed with as many items as it takes to reach `bytes` (UTF-8). */
export function syntheticRssOfSize(bytes: number): { xml: string; items: number } {
  const per = Buffer.byteLength(syntheticRss(200)) / 200;
  let items = Math.round(bytes / per);
  let xml = syntheticRss(items);
  while (Buffer.byteLength(xml) < bytes) xml = syntheticRss(++items);
  return { xml, items };
}

/**
 * An RSS 2.0 feed of `items` items shaped like an entertainment site's: title, link with
 * tracking parameters, guid, RFC 822 date, dc:creator, categories, a media:thumbnail, an
 * escaped-HTML description and a CDATA content:encoded of about `contentChars` characters with
 * paragraphs, links, an image, a tracking pixel and the odd script.
 */
export function syntheticRss(items: number, contentChars = 400, seed = 42): string {
  const r = rng(seed);
  const word = () => WORDS[Math.floor(r() * WORDS.length)];
  const words = (n: number) => Array.from({ length: n }, word).join(' ');
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" ' +
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel>' +
    '<title>Synthetic Entertainment</title><link>https://synthetic.example/</link><description>Bench feed</description><language>en-us</language>');
  const start = Date.UTC(2026, 10, 26, 8, 0, 0);
  for (let i = 0; i < items; i++) {
    const slug = `${words(4).replace(/ /g, '-')}-${i}`;
    const date = new Date(start - i * 600_000).toUTCString().replace('GMT', '+0000');
    let html = '';
    while (html.length < contentChars) {
      const n = r();
      if (n < 0.15) html += `<p><a href="/news/${word()}-${Math.floor(r() * 1e6)}?utm_source=rss">${words(3)}</a> ${words(12)}.</p>`;
      else if (n < 0.2) html += `<figure><img src="https://cdn.synthetic.example/img/${Math.floor(r() * 1e6)}.jpg" width="800" height="450" alt="${words(3)}"><figcaption>${words(6)}</figcaption></figure>`;
      else if (n < 0.22) html += '<script>track()</script>';
      else html += `<p>${words(10)} &amp; ${words(8)} &#8220;${words(3)}&#8221; <strong>${words(2)}</strong> ${words(9)}.</p>`;
    }
    html += `<img src="https://feeds.feedburner.com/~r/synthetic/~4/${i}" width="1" height="1">`;
    out.push(`<item><title>${words(8)} &amp; ${words(3)}</title>` +
      `<link>https://synthetic.example/news/${slug}?utm_source=rss&amp;utm_medium=feed</link>` +
      `<guid isPermaLink="false">synthetic-${i}</guid><pubDate>${date}</pubDate><dc:creator>${words(2)}</dc:creator>` +
      `<category>${word()}</category><category>${word()}</category>` +
      `<media:thumbnail url="https://cdn.synthetic.example/thumb/${i}.jpg" width="640" height="360"/>` +
      `<description>&lt;p&gt;${words(20)}&lt;/p&gt;</description>` +
      `<content:encoded><![CDATA[${html}]]></content:encoded></item>`);
  }
  out.push('</channel></rss>\n');
  return out.join('\n');
}
