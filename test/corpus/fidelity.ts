/**
 * The fidelity suite (issue 11): does what a reader sees match the source? Every item of every
 * real capture under ../shared/corpus/feeds/real goes through Marquee's pipeline (parse ->
 * normalize -> the RSS, Atom and JSON Feed renderers) and what a reader gets back from each
 * rendering is compared with Python feedparser's reading of the source (the JSON itself for
 * JSON Feed and RSS-in-JSON captures, which feedparser 6.0 does not read).
 *
 * The same Python program (fidelity_read.py) reads the sources and the RSS/Atom renderings, so
 * both sides go through one reader; the JSON Feed rendering is read here. Fields, and the rule
 * each one is held to:
 *
 *   enclosure     the same set of URLs; each type as the source states it (any when it states
 *                 none); each length as the source states it (0 or none when it does not); in
 *                 JSON Feed also `duration_in_seconds` from `itunes:duration`
 *   image         the source's largest offered image: among Media RSS images, image enclosures
 *                 and itunes:image, the one with the largest stated side (any of them when none
 *                 states a size); without those, the largest inline <img>. Never a tracker, icon
 *                 or spacer (the beacon and furniture rules of normalize/html.ts and image.ts),
 *                 an image under 100x80, or the site's chrome (an inline image URL repeated in
 *                 3 or more items)
 *   link          the source's link, tracking parameters removed (url.ts), with its fragment
 *                 kept where it tells two items of the feed apart
 *   title         the source title as text, character references left in plain text decoded
 *                 once more (`&#8216;` from `&amp;#8216;`); none may be left in ours
 *   summary       text is present wherever the source item has any (description, content, or
 *                 Media RSS text), and is not just the title repeated
 *   source title  the origin feed's own title (the source list gives none here)
 *
 * An item Marquee drops as an exact repeat of an earlier one of the same document is excluded
 * and listed. Every disagreement is listed with what each side had.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeHTML } from 'entities';
import type { ParsedFeed, Source } from '../../src/model';
import { feedTitleText, normalizeFeed, normalizeItem, type NormalizedEntry } from '../../src/normalize/index';
import { collapseWhitespace, htmlToText } from '../../src/normalize/text';
import { isTrackingPixel } from '../../src/normalize/html';
import { isFurniture } from '../../src/normalize/image';
import { tokenizeHtml } from '../../src/normalize/tokenize';
import { canonicalUrl } from '../../src/normalize/url';
import { decodeTransport, parseFeedBody } from '../../src/parse/index';
import { repairTruncatedJson } from '../../src/parse/json';
import { indexBundle, renderEntryPage, type FeedFormat } from '../../src/render/index';
import { parseListQuery } from '../../src/query';
import type { SourceSnapshot, StoredEntry } from '../../src/model';
import { FEEDS, NOW, rel, walk } from './scoreboard';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const BASE = 'https://marquee.test';

export const FIELDS = ['enclosure', 'image', 'link', 'title', 'summary', 'source title'] as const;
export type Field = (typeof FIELDS)[number];
export const FORMATS: FeedFormat[] = ['rss', 'atom', 'json'];

interface Enclosure { url: string; type: string | null; length: number | null; duration?: number | null }
interface Img { url: string; width: number | null; height: number | null }

/** One item as a reader sees it (source side or one of our renderings). */
export interface ReaderItem {
  link: string | null;
  title: string | null;
  /** Text of the summary and content together. */
  text: string;
  enclosures: Enclosure[];
  /** Images the item offers as its picture (source side), or the one we chose (our side). */
  images: Img[];
  inline: Img[];
  sourceTitle: string | null;
  duration: number | null;
}

export interface Disagreement { capture: string; format: FeedFormat; field: Field; item: number; detail: string }

export interface FidelityResult {
  captures: number;
  items: number;
  cells: Record<Field, Record<FeedFormat, { agree: number; total: number }>>;
  disagreements: Disagreement[];
  excluded: string[];
}

// ---- the captures -------------------------------------------------------------------------

const FEED_EXT = /\.(xml|rss|atom|rdf|json)$/;

export function realCaptures(): string[] {
  return walk(join(FEEDS, 'real')).filter((p) => FEED_EXT.test(p) && !basename(p).startsWith('expected'));
}

/** The URL a capture was fetched from where its folder records it, else a stand-in. */
function captureUrl(path: string): string {
  const expected = join(dirname(path), 'expected.rowanmanning-feed-parser.json');
  if (existsSync(expected)) return JSON.parse(readFileSync(expected, 'utf8')).url;
  return `http://corpus.test/${rel(path).replace(/^real\//, '')}`;
}

const sourceIdOf = (path: string) => rel(path).replace(/^real\//, '').replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);

// ---- Marquee's side -----------------------------------------------------------------------

interface Ours {
  feed: ParsedFeed;
  entries: NormalizedEntry[];
  /** entry index -> index of the parsed item it came from. */
  itemOf: number[];
  rendered: Record<FeedFormat, string>;
}

async function marquee(path: string, feedUrl: string): Promise<Ours> {
  const body = await decodeTransport(new Uint8Array(readFileSync(path)));
  const { feed } = parseFeedBody(body, null);
  const source: Source = { id: sourceIdOf(path), url: feedUrl, title: null, home_page_url: null, category: null };
  const ctx = { source, feedUrl, now: NOW };
  const entries = normalizeFeed(feed, ctx);
  // normalizeFeed keeps document order and only drops repeats: walk the items alongside.
  const drafts = feed.items.map((it) => normalizeItem(feed, it, ctx));
  const itemOf: number[] = [];
  let j = 0;
  for (const e of entries) {
    while (j < drafts.length && !(drafts[j].item.guid === e.guid && drafts[j].originalUrl === e.originalUrl && drafts[j].title === e.title)) j++;
    itemOf.push(j++);
  }
  const stored: StoredEntry[] = entries.map(({ summaryHtml: _s, contentHtml: _c, fullText: _f, ...rest }) => ({ ...rest, storyId: `st_${rest.id}` }));
  const bodies = new Map(entries.map((e): [string, [string, string]] => [e.id, [e.summaryHtml ?? '', e.contentHtml ?? '']]));
  // As the catalog shows a source registered without a title (store/db.ts snapshots).
  const snapshot: SourceSnapshot = { id: source.id, title: feedTitleText(feed) ?? source.id, feed_url: feedUrl, home_page_url: null, category: null };
  const idx = indexBundle({ rev: 1, updatedAt: NOW.toISOString(), entries: stored, stories: [], members: [], bodies: [], next: null, sources: { [source.id]: snapshot } });
  const q = parseListQuery(new URLSearchParams());
  const rendered = {} as Record<FeedFormat, string>;
  for (const fmt of FORMATS) rendered[fmt] = renderEntryPage(fmt, idx, { entries: stored, next: null }, q, bodies, { base: BASE, ttlMinutes: 15 });
  return { feed, entries, itemOf, rendered };
}

// ---- reading: feedparser for XML, the JSON itself otherwise --------------------------------

interface PyEntry {
  id: string | null; link: string | null; title: string | null; summary_text: string; content_text: string;
  enclosures: Array<{ url: string | null; type: string | null; length: string | null }>;
  media_thumbnail: Array<{ url: string | null; width: string | null; height: string | null }>;
  media_content: Array<{ url: string | null; type: string | null; medium: string | null; width: string | null; height: string | null; fileSize: string | null; duration: string | null }>;
  itunes_image: string | null; itunes_duration: string | null;
  inline_images: Array<{ url: string; width: string | null; height: string | null }>;
  source_title: string | null;
}
interface PyFeed { path: string; version: string; feed_title: string | null; entries: PyEntry[] }

function feedparserRead(jobs: Array<{ path: string; url: string; feed_link_base?: boolean }>): Map<string, PyFeed> {
  const out = execFileSync(PYTHON, [join(HERE, 'fidelity_read.py')], { input: JSON.stringify(jobs), maxBuffer: 512 * 1024 * 1024 }).toString('utf8');
  return new Map((JSON.parse(out) as PyFeed[]).map((f) => [f.path, f]));
}

const int = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};
const IMAGE_EXT = /\.(jpe?g|png|gif|webp|avif)(?:[?#]|$)/i;

/** itunes:duration as seconds: "1:17:07", "77:07" or "4627". */
function durationSeconds(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v) : null;
  if (typeof v !== 'string' || !/^\s*\d+(:\d{1,2}){0,2}(\.\d+)?\s*$/.test(v)) return null;
  return Math.round(v.trim().split(':').reduce((s, p) => s * 60 + Number(p), 0));
}

function fromFeedparser(e: PyEntry, sourceTitle: string | null, isSource: boolean): ReaderItem {
  const images: Img[] = [];
  for (const t of e.media_thumbnail) if (t.url) images.push({ url: t.url, width: int(t.width), height: int(t.height) });
  const enclosures: Enclosure[] = e.enclosures.filter((x) => x.url).map((x) => ({ url: x.url!, type: x.type || null, length: int(x.length) }));
  for (const m of e.media_content) {
    if (!m.url) continue;
    const isImage = m.medium === 'image' || (m.type ?? '').startsWith('image/') || (!m.medium && !m.type && IMAGE_EXT.test(m.url));
    if (isSource && isImage) images.push({ url: m.url, width: int(m.width), height: int(m.height) });
    // Our RSS writes enclosures past the first as media:content (RSS allows one <enclosure>).
    if (!isSource) enclosures.push({ url: m.url, type: m.type || null, length: int(m.fileSize), duration: int(m.duration) });
  }
  if (isSource) {
    for (const x of enclosures) if ((x.type ?? '').startsWith('image/') || (!x.type && IMAGE_EXT.test(x.url))) images.push({ url: x.url, width: null, height: null });
    if (e.itunes_image) images.push({ url: e.itunes_image, width: null, height: null });
  }
  return {
    link: e.link, title: e.title, text: `${e.summary_text} ${e.content_text}`.trim(), enclosures, images,
    inline: e.inline_images.map((i) => ({ url: i.url, width: int(i.width), height: int(i.height) })),
    sourceTitle: isSource ? sourceTitle : e.source_title, duration: isSource ? durationSeconds(e.itunes_duration) : null,
  };
}

function inlineImages(html: string): Img[] {
  const out: Img[] = [];
  tokenizeHtml(html, {
    text() {},
    startTag(name, attrs) {
      if (name !== 'img') return;
      const a = Object.fromEntries(attrs);
      if (a.src) out.push({ url: a.src, width: int(a.width), height: int(a.height) });
    },
    endTag() {},
  });
  return out;
}

function readJsonDoc(path: string): any {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    const fixed = repairTruncatedJson(text);
    return fixed ? JSON.parse(fixed) : { items: [] };
  }
}

/** A JSON Feed (a capture, or our rendering) as a reader sees it. */
function fromJsonFeed(doc: any, ours: boolean): ReaderItem[] {
  return (Array.isArray(doc.items) ? doc.items : []).filter((it: any) => it && typeof it === 'object').map((it: any): ReaderItem => {
    const html = typeof it.content_html === 'string' ? it.content_html : '';
    const contentText = typeof it.content_text === 'string' && !(ours && it.content_text === it.title) ? it.content_text : '';
    const images: Img[] = [];
    for (const k of ['image', 'banner_image']) if (typeof it[k] === 'string') images.push({ url: it[k], width: null, height: null });
    const enclosures = (Array.isArray(it.attachments) ? it.attachments : []).filter((a: any) => a && typeof a.url === 'string')
      .map((a: any) => ({ url: a.url, type: a.mime_type ?? null, length: int(a.size_in_bytes), duration: int(a.duration_in_seconds) }));
    return {
      link: it.url ?? it.external_url ?? null,
      title: typeof it.title === 'string' ? collapseWhitespace(it.title) : null,
      text: collapseWhitespace(`${typeof it.summary === 'string' ? it.summary : ''} ${htmlToText(html)} ${contentText}`),
      enclosures, images, inline: inlineImages(html),
      sourceTitle: ours ? it._marquee?.source?.title ?? null : typeof doc.title === 'string' ? doc.title : null,
      duration: enclosures.find((e: Enclosure) => e.duration)?.duration ?? null,
    };
  });
}

/** Dave Winer's RSS in JSON: RSS fields written as JSON. */
function fromRssInJson(doc: any): ReaderItem[] {
  const channel = doc.rss.channel;
  return [].concat(channel.item ?? []).map((it: any): ReaderItem => {
    const enc = [].concat(it.enclosure ?? []).filter((x: any) => x && x.url).map((x: any) => ({ url: x.url, type: x.type ?? null, length: int(x.length) }));
    return {
      link: it.link ?? null, title: typeof it.title === 'string' ? collapseWhitespace(htmlToText(it.title)) : null,
      text: htmlToText(it.description ?? ''), enclosures: enc,
      images: enc.filter((x: Enclosure) => (x.type ?? '').startsWith('image/')).map((x: Enclosure) => ({ url: x.url, width: null, height: null })),
      inline: inlineImages(it.description ?? ''), sourceTitle: channel.title ?? null, duration: null,
    };
  });
}

// ---- comparing ------------------------------------------------------------------------------

const norm = (u: string | null | undefined, base?: string): string | null => {
  if (!u) return null;
  try {
    return new URL(u.trim(), base).href;
  } catch {
    return u.trim();
  }
};

/** Character references left in text after its own layer decoded it (a double-escaped feed). */
const LEFTOVER_REF = /&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]{1,31});/i;

function expectedTitle(t: string): string {
  return collapseWhitespace(LEFTOVER_REF.test(t) ? decodeHTML(t) : t);
}

const side = (i: Img) => Math.max(i.width ?? 0, i.height ?? 0);

/** The image URLs acceptable as "the largest offered" (null: the item offers none). */
function expectedImages(src: ReaderItem, chrome: Set<string>, base: string): Set<string> | null {
  const picture = (i: Img) => {
    const u = norm(i.url, base)!;
    return !isTrackingPixel(u, i.width, i.height) && !isFurniture(u);
  };
  let pool = src.images.filter(picture);
  if (!pool.length) {
    pool = src.inline.filter((i) => picture(i) && !chrome.has(norm(i.url, base)!) && !((i.width !== null && i.width < 100) || (i.height !== null && i.height < 80)));
  }
  if (!pool.length) return null;
  const max = Math.max(...pool.map(side));
  const best = max > 0 ? pool.filter((i) => side(i) === max) : pool;
  return new Set(best.map((i) => norm(i.url, base)!));
}

function encKey(e: Enclosure, base: string): string {
  return norm(e.url, base)!;
}

function compareEnclosures(src: ReaderItem, out: ReaderItem, fmt: FeedFormat, base: string): string | null {
  const want = new Map(src.enclosures.map((e) => [encKey(e, base), e]));
  const got = new Map(out.enclosures.map((e) => [encKey(e, base), e]));
  const missing = [...want.keys()].filter((u) => !got.has(u));
  const extra = [...got.keys()].filter((u) => !want.has(u));
  if (missing.length || extra.length) return `missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}`;
  for (const [u, w] of want) {
    const g = got.get(u)!;
    if (w.type && (g.type ?? '').toLowerCase() !== w.type.toLowerCase()) return `${u}: type ${g.type} vs ${w.type}`;
    const wl = w.length && w.length > 0 ? w.length : null;
    const gl = g.length && g.length > 0 ? g.length : null;
    if (wl !== gl) return `${u}: length ${g.length} vs ${w.length}`;
  }
  if (fmt === 'json' && src.duration !== null && out.duration !== src.duration) return `duration_in_seconds ${out.duration} vs ${src.duration}`;
  return null;
}

/** Links of the source feed that share everything but their fragment with another one. */
function distinguishingFragments(items: ReaderItem[], base: string): Set<string> {
  const byStem = new Map<string, Set<string>>();
  for (const it of items) {
    const u = norm(it.link, base);
    if (!u || !u.includes('#')) continue;
    const stem = u.slice(0, u.indexOf('#'));
    byStem.set(stem, (byStem.get(stem) ?? new Set()).add(u));
  }
  for (const it of items) {
    const u = norm(it.link, base);
    if (u && !u.includes('#') && byStem.has(u)) byStem.get(u)!.add(u);
  }
  return new Set([...byStem.values()].filter((s) => s.size > 1).flatMap((s) => [...s]));
}

function expectedLink(link: string | null, base: string, keep: Set<string>): string | null {
  const u = norm(link, base);
  if (!u || !/^https?:/i.test(u)) return null;
  const hash = u.indexOf('#');
  const canon = canonicalUrl(u);
  return hash >= 0 && keep.has(u) ? `${canon}${u.slice(hash)}` : canon;
}

function chromeImages(items: ReaderItem[], base: string): Set<string> {
  const count = new Map<string, number>();
  for (const it of items) for (const u of new Set(it.inline.map((i) => norm(i.url, base)!))) count.set(u, (count.get(u) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n >= 3).map(([u]) => u));
}

// ---- the run --------------------------------------------------------------------------------

export async function runFidelity(paths = realCaptures()): Promise<FidelityResult> {
  const cells = Object.fromEntries(FIELDS.map((f) => [f, Object.fromEntries(FORMATS.map((m) => [m, { agree: 0, total: 0 }]))])) as FidelityResult['cells'];
  const result: FidelityResult = { captures: 0, items: 0, cells, disagreements: [], excluded: [] };
  const dir = mkdtempSync(join(tmpdir(), 'marquee-fidelity-'));
  try {
    const runs: Array<{ path: string; url: string; ours: Ours; kind: 'xml' | 'json' | 'rss-json' }> = [];
    const jobs: Array<{ path: string; url: string; feed_link_base?: boolean }> = [];
    for (const path of paths) {
      const url = captureUrl(path);
      let ours: Ours;
      try {
        ours = await marquee(path, url);
      } catch (err) {
        result.excluded.push(`${rel(path)}: Marquee refuses it (${(err as Error).message})`);
        continue;
      }
      const doc = path.endsWith('.json') ? readJsonDoc(path) : null;
      const kind = doc ? (doc.rss?.channel ? 'rss-json' : 'json') : 'xml';
      if (kind === 'xml') jobs.push({ path, url, feed_link_base: true });
      for (const fmt of ['rss', 'atom'] as const) {
        const out = join(dir, `${sourceIdOf(path)}.${fmt}.xml`);
        writeFileSync(out, ours.rendered[fmt]);
        jobs.push({ path: out, url: `${BASE}/feed.${fmt}` });
      }
      runs.push({ path, url, ours, kind });
    }
    const read = feedparserRead(jobs);
    for (const run of runs) compareCapture(run, read, dir, result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

function compareCapture(run: { path: string; url: string; ours: Ours; kind: 'xml' | 'json' | 'rss-json' }, read: Map<string, PyFeed>, dir: string, result: FidelityResult): void {
  const { path, url, ours, kind } = run;
  const capture = rel(path).replace(/^real\//, '');
  let source: ReaderItem[];
  // The base of relative references in the JSON captures: the feed's own link, then its URL (as
  // for XML, where fidelity_read.py does it).
  let base = url;
  if (kind === 'xml') {
    const py = read.get(path)!;
    source = py.entries.map((e) => fromFeedparser(e, py.feed_title, true));
  } else {
    const doc = readJsonDoc(path);
    const link = kind === 'json' ? doc.home_page_url : doc.rss.channel.link;
    if (typeof link === 'string' && /^https?:\/\//.test(link)) base = link;
    source = kind === 'json' ? fromJsonFeed(doc, false) : fromRssInJson(doc);
  }
  // feedparser makes an (empty) entry of every stray <item/>; Marquee reads no item from it.
  if (source.length !== ours.feed.items.length) {
    const before = source.length;
    source = source.filter((s) => s.title || s.link || s.text);
    if (source.length !== ours.feed.items.length) {
      result.excluded.push(`${capture}: feedparser reads ${before} items, Marquee ${ours.feed.items.length}; not compared`);
      return;
    }
  }
  result.captures++;
  result.items += source.length;
  const outputs: Record<FeedFormat, ReaderItem[]> = {
    rss: read.get(join(dir, `${sourceIdOf(path)}.rss.xml`))!.entries.map((e) => fromFeedparser(e, null, false)),
    atom: read.get(join(dir, `${sourceIdOf(path)}.atom.xml`))!.entries.map((e) => fromFeedparser(e, null, false)),
    json: fromJsonFeed(JSON.parse(ours.rendered.json), true),
  };
  const keep = distinguishingFragments(source, base);
  const chrome = chromeImages(source, base);
  const entryOfItem = new Map(ours.itemOf.map((item, k) => [item, k]));
  source.forEach((src, i) => {
    const k = entryOfItem.get(i);
    if (k === undefined) {
      result.excluded.push(`${capture} item ${i}: dropped by Marquee as an exact repeat of an earlier item of the document`);
      return;
    }
    for (const fmt of FORMATS) {
      const out = outputs[fmt][k];
      const check = (field: Field, ok: boolean, detail: () => string) => {
        const c = result.cells[field][fmt];
        c.total++;
        if (ok) c.agree++;
        else result.disagreements.push({ capture, format: fmt, field, item: i, detail: detail() });
      };
      if (src.enclosures.length || out.enclosures.length) {
        const why = compareEnclosures(src, out, fmt, base);
        check('enclosure', why === null, () => why!);
      }
      const want = expectedImages(src, chrome, base);
      const got = norm(out.images[0]?.url, base);
      if (want || got) check('image', want ? got !== null && want.has(got) : false, () => `${got} vs ${want ? [...want].join(' | ') : 'none offered'}`);
      const link = expectedLink(src.link, base, keep);
      if (link) check('link', norm(out.link) === link, () => `${out.link} vs ${link}`);
      if (src.title) {
        const t = expectedTitle(src.title);
        const o = collapseWhitespace(out.title ?? '');
        check('title', o === t && !LEFTOVER_REF.test(o), () => `${JSON.stringify(o)} vs ${JSON.stringify(t)}`);
      }
      if (src.text) {
        // An entry with no text at all carries its title as text (Atom, JSON Feed): that is no
        // summary, unless the source item has no title of its own (ours is then made from its text).
        const o = collapseWhitespace(out.text);
        const onlyTitle = o === collapseWhitespace(out.title ?? '') && !!src.title && collapseWhitespace(src.text) !== expectedTitle(src.title);
        check('summary', o !== '' && !onlyTitle, () => `none vs ${JSON.stringify(src.text.slice(0, 60))}`);
      }
      const st = collapseWhitespace(src.sourceTitle ?? '') || ours.entries[k].sourceId;
      check('source title', collapseWhitespace(out.sourceTitle ?? '') === st, () => `${JSON.stringify(out.sourceTitle)} vs ${JSON.stringify(st)}`);
    }
  });
}

export function fidelityTable(r: FidelityResult): string {
  const pct = (c: { agree: number; total: number }) => (c.total ? `${((100 * c.agree) / c.total).toFixed(1)}%` : 'n/a');
  const cell = (c: { agree: number; total: number }) => `${c.agree}/${c.total} ${pct(c)}`.padEnd(20);
  const lines = [`fidelity: ${r.items} items of ${r.captures} real captures`, `${'field'.padEnd(14)}${'RSS'.padEnd(20)}${'Atom'.padEnd(20)}JSON Feed`];
  for (const f of FIELDS) lines.push(`${f.padEnd(14)}${FORMATS.map((m) => cell(r.cells[f][m])).join('')}`);
  return lines.join('\n');
}

export function fidelityReport(r: FidelityResult): string {
  const lines = [fidelityTable(r), '', `disagreements (${r.disagreements.length}):`];
  for (const d of r.disagreements) lines.push(`  [${d.format}] ${d.field} ${d.capture} #${d.item}: ${d.detail}`);
  if (r.excluded.length) lines.push('', `excluded (${r.excluded.length}):`, ...r.excluded.map((e) => `  ${e}`));
  return lines.join('\n');
}
