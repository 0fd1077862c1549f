/**
 * The evaluation sets, read from test/fixtures/eval (see the README there),
 * and the RSS 2.0 outlet feeds built from them. Both the offline harness and
 * the HTTP driver feed Marquee these same documents, so the two measure the
 * same thing: one parses them in process, the other serves them on loopback.
 *
 * - real: the labeled real-feed dev set, one feed per outlet, item link = the
 *   truth key;
 * - uci: the UCI News Aggregator dev split, headlines only, publishers put in
 *   20 feeds by a stable hash of their host name;
 * - spun: built by scripts/make-spun-set.py into a directory (served as is).
 *
 * Timestamps keep their spacing and are shifted so the newest item is one
 * hour before `now`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeHTML } from 'entities';

export const DATA = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'eval');

export interface EvalItem {
  /** the item's link, which is also its truth key */
  url: string;
  /** feed id */
  feed: string;
  /** outlet name */
  outlet: string;
  title: string;
  summary: string;
  /** epoch ms, before shifting */
  time: number;
  label: string;
  guid?: string;
}

export interface EvalSet {
  name: string;
  items: EvalItem[];
  /** feed id -> title */
  feeds: Map<string, string>;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 50);

export function loadReal(path = join(DATA, 'real-dev.jsonl')): EvalSet {
  const items: EvalItem[] = [];
  const feeds = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    const feed = slug(r.source);
    feeds.set(feed, r.source);
    // The FT's links are relative; a reader resolves them against the feed's link, as buildFeeds sets it.
    const url = new URL(r.link, `https://${feed}.example/`).href;
    items.push({ url, feed, outlet: r.source, title: r.title, summary: r.summary ?? '', time: Date.parse(r.published), label: r.event });
  }
  return { name: 'real-dev', items, feeds };
}

/** RFC 4180 CSV. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[i++];
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** The UCI dump keeps PHP-style escapes ("\?") and HTML entities in its URLs. */
const cleanUciUrl = (u: string) => decodeHTML(u.replace(/\\([?()])/g, '$1'));

export function loadUci(path = join(DATA, 'uci-dev.csv'), buckets = 20): EvalSet {
  const [head, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  const col = (n: string) => head.indexOf(n);
  const items: EvalItem[] = [];
  const feeds = new Map<string, string>();
  for (const r of rows) {
    if (r.length < head.length) continue;
    const host = r[col('HOSTNAME')].toLowerCase();
    const bucket = Number(BigInt(`0x${createHash('sha1').update(host).digest('hex')}`) % BigInt(buckets));
    const feed = `feed-${String(bucket).padStart(2, '0')}`;
    feeds.set(feed, `UCI outlets ${feed}`);
    items.push({ url: cleanUciUrl(r[col('URL')]), feed, outlet: r[col('PUBLISHER')], title: r[col('TITLE')], summary: '', time: Number(r[col('TIMESTAMP')]), label: r[col('STORY')], guid: `uci-${r[col('ID')]}` });
  }
  return { name: 'uci-dev', items, feeds };
}

const xesc = (s: string) =>
  // eslint-disable-next-line no-control-regex -- XML 1.0 §2.2 forbids these
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Shift every time so the newest item is one hour before `now`; returns item -> shifted time. */
export function shiftTimes(items: EvalItem[], now: Date): Map<EvalItem, number> {
  const newest = Math.max(...items.map((i) => i.time));
  const shift = now.getTime() - 3_600_000 - newest;
  return new Map(items.map((i) => [i, i.time + shift]));
}

/** One RSS 2.0 document per feed, newest item first. */
export function buildFeeds(set: EvalSet, now: Date): Map<string, string> {
  const times = shiftTimes(set.items, now);
  const byFeed = new Map<string, EvalItem[]>();
  for (const it of set.items) {
    const list = byFeed.get(it.feed) ?? [];
    list.push(it);
    byFeed.set(it.feed, list);
  }
  const out = new Map<string, string>();
  for (const [feed, list] of [...byFeed].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    list.sort((a, b) => times.get(b)! - times.get(a)! || (a.url < b.url ? -1 : 1));
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<rss version="2.0"><channel>',
      `<title>${xesc(set.feeds.get(feed) ?? feed)}</title><link>https://${feed}.example/</link><description>Evaluation feed</description><language>en</language>`,
    ];
    for (const it of list) {
      const guid = it.guid ? `<guid isPermaLink="false">${xesc(it.guid)}</guid>` : `<guid isPermaLink="true">${xesc(it.url)}</guid>`;
      xml.push(`<item><title>${xesc(it.title)}</title><link>${xesc(it.url)}</link>${guid}<pubDate>${new Date(times.get(it)!).toUTCString()}</pubDate><description>${xesc(it.summary)}</description></item>`);
    }
    xml.push('</channel></rss>', '');
    out.set(feed, xml.join('\n'));
  }
  return out;
}

/**
 * Loose URL form used only to match the URLs the API serves (canonicalized: tracking
 * parameters stripped, scheme and `www.` dropped) back to truth keys.
 */
export function looseUrl(u: string): string {
  try {
    const x = new URL(u.trim());
    const host = x.hostname.replace(/^www\./, '');
    let path = x.pathname;
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    return `${host}${path}`;
  } catch {
    return u.trim().toLowerCase();
  }
}

/** Map served URLs to truth keys: exactly, else by loose form when that is unambiguous. */
export function urlMatcher(keys: Iterable<string>): (u: string) => string | null {
  const exact = new Set(keys);
  const loose = new Map<string, string | null>();
  for (const k of exact) {
    const l = looseUrl(k);
    loose.set(l, loose.has(l) ? null : k);
  }
  return (u) => (exact.has(u) ? u : loose.get(looseUrl(u)) ?? null);
}
