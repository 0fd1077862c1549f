/**
 * The normalize stage: ParsedFeed -> NormalizedEntry[]. It owns the fallback
 * chains that decide each field, written out where they are applied:
 *
 *   id       source id + guid, else canonical URL, else hash of title and date;
 *            a guid that distinct items share is told apart by their URL and title
 *   url      item link, else a permalink guid, resolved against xml:base, the
 *            feed's link, then the feed URL; canonicalized (url.ts), its fragment
 *            kept only where it tells items of the document apart
 *   title    the title as text (character references a double-escaping feed left in
 *            it decoded once more), else the start of the summary, else the URL's
 *            last path segment
 *   date     published, else updated, else first-seen (dateInferred says why);
 *            more than a day ahead of first-seen is clamped to first-seen
 *   image    media:thumbnail / media:content, then an image enclosure, then
 *            itunes:image (and JSON Feed image/banner_image), then the largest
 *            sizeable <img> of the content, then of the summary, never the
 *            document's recurring chrome (image.ts)
 *   files    enclosures and attachments, with itunes:duration (enclosure.ts)
 *
 * It never reads a clock: `now` is passed in.
 */
import { hash64 } from '../hash';
import type { Enclosure, Entry, ParsedFeed, ParsedItem, Source } from '../model';
import { parseFeedDate } from './date';
import { normalizeEnclosures } from './enclosure';
import { sanitizeHtml, type SanitizedImage } from './html';
import { chromeImages, pickImage } from './image';
import { itemRef, LIMITS, limitEntry, limitItem, limitText, type Warn } from './limits';
import { collapseWhitespace, decodeLeftoverRefs, escapeHtml, htmlToText, truncate } from './text';
import { canonicalUrl, resolveUrl, withoutFragment } from './url';

/** Plain-text summary kept in the entry index (search, grouping, cards). */
export const SUMMARY_TEXT_MAX = 400;
/** Text characters kept in stored HTML. Longer content is cut at a tag boundary with an ellipsis. */
export const CONTENT_TEXT_MAX = 12_000;
export const SUMMARY_HTML_TEXT_MAX = 1_500;
/** Text handed to near-duplicate detection (not stored). */
export const FINGERPRINT_TEXT_MAX = 6_000;
/** A date more than this far ahead of first-seen is not believed. */
export const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;
const TITLE_FROM_SUMMARY_MAX = 100;

/** An Entry fresh from a feed, with the long text dedupe needs (never stored). */
export interface NormalizedEntry extends Entry {
  fullText: string;
}

export interface NormalizeContext {
  source: Source;
  /** The URL the document was fetched from (after redirects). */
  feedUrl: string;
  now: Date;
  /** Told of every field cut to its limit (limits.ts), so the source's health can show it. */
  warn?: Warn;
}

function pickDate(item: ParsedItem, now: Date): Pick<Entry, 'published' | 'updated' | 'dateInferred' | 'dateOriginal'> {
  const rawPublished = item.published ?? item.updated;
  const updated = parseFeedDate(item.updated);
  const published = parseFeedDate(item.published) ?? updated;
  const updatedIso = updated && updated.getTime() <= now.getTime() + FUTURE_TOLERANCE_MS ? updated.toISOString() : null;
  if (!rawPublished) return { published: now.toISOString(), updated: updatedIso, dateInferred: 'missing', dateOriginal: null };
  if (!published) return { published: now.toISOString(), updated: updatedIso, dateInferred: 'unparseable', dateOriginal: rawPublished };
  if (published.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    return { published: now.toISOString(), updated: updatedIso, dateInferred: 'future', dateOriginal: rawPublished };
  }
  return { published: published.toISOString(), updated: updatedIso, dateInferred: null, dateOriginal: null };
}

/**
 * The feed's own title as plain text. ParsedFeed.title is HTML like every text field (an Atom
 * type="text" title arrives escaped), so stripping tags alone would leave "&amp;" in it.
 */
export function feedTitleText(feed: ParsedFeed, warn?: Warn): string | null {
  return limitText(plainText(feed.title), 'feedTitle', warn) || null;
}

/** A plain-text field (title, name, category) from its HTML form, decoded as `decodeLeftoverRefs` says. */
function plainText(html: string | null): string {
  const text = htmlToText(html);
  return text.includes('&') ? collapseWhitespace(decodeLeftoverRefs(text)) : text;
}

function titleFromUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const seg = new URL(url).pathname.split('/').filter(Boolean).pop();
    if (!seg) return null;
    const words = decodeURIComponent(seg).replace(/\.[a-z0-9]{2,5}$/i, '').replace(/[-_+]+/g, ' ').trim();
    return words || null;
  } catch {
    return null;
  }
}

function textToHtml(text: string): string {
  return text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean).map((p) => `<p>${escapeHtml(p)}</p>`).join('');
}

/** The identity key an item would get, before disambiguation. */
function identityKey(item: ParsedItem, url: string | null, title: string, date: string | null): string {
  if (item.guid) return `g:${item.guid.trim()}`;
  if (url) return `u:${url}`;
  return `t:${title}\n${date ?? ''}`;
}

/**
 * The base every relative URL of an item is resolved against, as one absolute URL:
 * the xml:base in effect (W3C XML Base §4.2: a relative xml:base is relative to the
 * document's URL), else the feed's own link, else the URL the feed was fetched from.
 */
export function itemBase(feed: ParsedFeed, item: ParsedItem | null, feedUrl: string): string | null {
  const { xmlBase, fallback } = feedBases(feed, feedUrl);
  if (item?.base === '') return xmlBase ?? resolveUrl(feedUrl);
  if (item?.base && item.base !== feed.base) {
    const b = resolveUrl(item.base, xmlBase ?? feedUrl);
    if (b) return b;
  }
  return xmlBase ?? fallback;
}

/** The feed-level bases, computed once per feed and document URL. */
const feedBaseCache = new WeakMap<ParsedFeed, { feedUrl: string; xmlBase: string | null; fallback: string | null }>();
function feedBases(feed: ParsedFeed, feedUrl: string): { xmlBase: string | null; fallback: string | null } {
  const hit = feedBaseCache.get(feed);
  if (hit && hit.feedUrl === feedUrl) return hit;
  // xml:base="" (kept as '') means the document's own URL.
  const xmlBase = feed.base === '' ? resolveUrl(feedUrl) : feed.base ? resolveUrl(feed.base, feedUrl) : null;
  const fallback = (feed.link ? resolveUrl(feed.link, feedUrl) : null) ?? resolveUrl(feedUrl) ?? null;
  const entry = { feedUrl, xmlBase, fallback };
  feedBaseCache.set(feed, entry);
  return entry;
}

/** One item normalized on its own, before identity and in-feed duplicates are decided. */
export interface ItemDraft {
  item: ParsedItem;
  url: string | null;
  originalUrl: string | null;
  title: string;
  summaryText: string;
  /** Sanitized summary, always (normalizeFeed drops it when it only repeats the content). */
  summaryHtml: string;
  contentHtml: string;
  image: string | null;
  enclosures: Enclosure[];
  /** Base and inline images the image was chosen with, to choose again without the document's chrome. */
  base: string | null;
  contentImages: SanitizedImage[];
  summaryImages: SanitizedImage[];
  authors: string[];
  categories: string[];
  dates: Pick<Entry, 'published' | 'updated' | 'dateInferred' | 'dateOriginal'>;
  fullText: string;
  /** Plain text of the sanitized summary and content (capped at FINGERPRINT_TEXT_MAX). */
  summaryPlain: string;
  contentPlain: string;
}

export function normalizeItem(feed: ParsedFeed, item: ParsedItem, ctx: NormalizeContext): ItemDraft {
  const { feedUrl, now } = ctx;
  const base = itemBase(feed, item, feedUrl);
  const contentBase = item.contentBase ? resolveUrl(item.contentBase, base) ?? base : base;
  const summaryBase = item.summaryBase ? resolveUrl(item.summaryBase, base) ?? base : base;
  // link, else a permalink guid (RSS 2.0 isPermaLink), resolved against the base.
  let originalUrl = resolveUrl(item.link, base);
  if (!originalUrl && item.guidIsPermaLink) originalUrl = resolveUrl(item.guid, base);
  // An empty link (Atom href="") is a same-document reference (RFC 3986 §4.4): it resolves to the
  // base, which is the feed document, not an article. It is kept as the original URL, as written,
  // but it is no canonical article URL, so it cannot make two entries look like duplicates.
  const sameDocument = item.link !== null && item.link.trim() === '' && !originalUrl;
  if (sameDocument) originalUrl = base;
  const url = sameDocument ? null : canonicalUrl(originalUrl);
  const content = sanitizeHtml(item.content ?? (item.contentText ? textToHtml(item.contentText) : null), {
    base: contentBase, maxTextChars: CONTENT_TEXT_MAX, maxPlainChars: FINGERPRINT_TEXT_MAX, maxHtmlChars: LIMITS.contentHtml,
  });
  // With content beside it, the summary's text past what is shown adds nothing the content does not
  // have; without content, the summary is the text near-duplicate detection gets.
  const summary = sanitizeHtml(item.summary, {
    base: summaryBase, maxTextChars: SUMMARY_HTML_TEXT_MAX, maxPlainChars: content.text ? SUMMARY_HTML_TEXT_MAX : FINGERPRINT_TEXT_MAX,
    maxHtmlChars: LIMITS.summaryHtml,
  });
  const itemId = itemRef(item.guid ?? item.link);
  if (content.htmlCapped) ctx.warn?.({ code: 'FIELD_TRUNCATED', field: 'contentHtml', itemId, limit: LIMITS.contentHtml });
  if (summary.htmlCapped) ctx.warn?.({ code: 'FIELD_TRUNCATED', field: 'summaryHtml', itemId, limit: LIMITS.summaryHtml });
  const summaryText = truncate(summary.text || content.text, SUMMARY_TEXT_MAX);
  let title = plainText(item.title);
  if (!title) title = truncate(summary.text || content.text, TITLE_FROM_SUMMARY_MAX) || titleFromUrl(url) || 'Untitled';
  const dates = pickDate(item, now);
  const authors = [...new Set(item.authors.map((a) => plainText(a)).filter(Boolean))];
  const seen = new Set<string>();
  const categories: string[] = [];
  for (const c of item.categories) {
    const t = collapseWhitespace(plainText(c));
    if (t && !seen.has(t.toLowerCase())) {
      seen.add(t.toLowerCase());
      categories.push(t);
    }
  }
  const image = pickImage(item, base, content.images, summary.images);
  const joined = `${summary.text} ${content.text}`;
  const fullText = joined.length > FINGERPRINT_TEXT_MAX * 2 ? joined.slice(0, FINGERPRINT_TEXT_MAX * 2) : joined;
  return {
    item, url, originalUrl, title, summaryText, summaryHtml: summary.html, contentHtml: content.html, image, enclosures: normalizeEnclosures(item, base),
    base, contentImages: content.images, summaryImages: summary.images, authors, categories, dates, fullText, summaryPlain: summary.text, contentPlain: content.text,
  };
}

export function normalizeFeed(feed: ParsedFeed, ctx: NormalizeContext): NormalizedEntry[] {
  const { source, now } = ctx;
  const firstSeen = now.toISOString();
  const drafts = feed.items.map((item) => {
    const d = normalizeItem(feed, limitItem(item, ctx.warn), ctx);
    // Don't store the same text twice when the summary is just the start of the content.
    if (d.summaryHtml && d.contentHtml && d.contentPlain.startsWith(d.summaryPlain.replace(/…$/, ''))) d.summaryHtml = '';
    return d;
  });
  withoutChrome(drafts);
  keepDistinguishingFragments(drafts);

  // Guids repeated inside one document (Miniflux #4197): a repeat that is the same item is
  // dropped; a repeat that is a different item is told apart by its link and title, so no
  // distinct item is lost.
  // The first holder of a key keeps the plain key, so its id does not change when a later
  // item starts reusing its guid.
  const out: NormalizedEntry[] = [];
  const firstOf = new Map<string, { url: string | null; title: string }>();
  const emitted = new Set<string>();
  drafts.forEach((d) => {
    // Ids do not depend on a kept fragment: an entry keeps the id it had before fragments were kept.
    let key = identityKey(d.item, d.url === null ? null : withoutFragment(d.url), d.title, d.item.published);
    const holder = firstOf.get(key);
    if (!holder) firstOf.set(key, { url: d.url, title: d.title });
    else if (holder.url === d.url && holder.title === d.title) return; // the same item listed twice
    else key = `${key}\n${d.url ?? ''}\n${d.title}`;
    if (emitted.has(key)) return;
    emitted.add(key);
    const parts = [d.title, d.url ?? '', d.summaryText, hash64(d.contentHtml), d.authors.join(','), d.categories.join(','), d.image ?? ''];
    // Enclosures count only when there are some, so entries without any keep the hash they had.
    if (d.enclosures.length) parts.push(d.enclosures.map((e) => `${e.url} ${e.type} ${e.length} ${e.durationSeconds}`).join(','));
    const contentHash = hash64(parts.join('\u0001'));
    out.push(limitEntry({
      id: `${source.id}:${hash64(key)}`,
      sourceId: source.id,
      guid: d.item.guid,
      url: d.url,
      originalUrl: d.originalUrl,
      title: d.title,
      summaryText: d.summaryText,
      summaryHtml: d.summaryHtml,
      contentHtml: d.contentHtml,
      image: d.image,
      enclosures: d.enclosures,
      authors: d.authors,
      categories: d.categories,
      language: d.item.language ?? feed.language,
      ...d.dates,
      firstSeen,
      contentHash,
      dupOf: null,
      storyId: '',
      fullText: d.fullText,
    }, ctx.warn));
  });
  return out;
}

/** Choose inline images again without the ones that recur across the document (image.ts `chromeImages`). */
function withoutChrome(drafts: ItemDraft[]): void {
  const chrome = chromeImages(drafts.map((d) => [...d.contentImages, ...d.summaryImages]));
  if (!chrome.size) return;
  for (const d of drafts) d.image = pickImage(d.item, d.base, d.contentImages, d.summaryImages, chrome);
}

/**
 * A fragment stays in the canonical URL when it is what tells items of this document apart:
 * when another item links to the same page with another fragment, or with none (Scripting News
 * posts are `page#a080605` on a day's page). Elsewhere a fragment only points into the article.
 */
function keepDistinguishingFragments(drafts: ItemDraft[]): void {
  const withFragment = drafts.filter((d) => d.url && d.originalUrl?.includes('#'));
  if (!withFragment.length) return;
  const pages = new Set(withFragment.map((d) => d.url));
  const fragmentsOf = new Map<string, Set<string>>();
  for (const d of drafts) {
    if (!d.url || !d.originalUrl || !pages.has(d.url)) continue;
    const hash = d.originalUrl.indexOf('#');
    const set = fragmentsOf.get(d.url) ?? new Set<string>();
    set.add(hash < 0 ? '' : d.originalUrl.slice(hash));
    fragmentsOf.set(d.url, set);
  }
  for (const d of withFragment) {
    if ((fragmentsOf.get(d.url!)?.size ?? 0) < 2) continue;
    d.url = canonicalUrl(d.originalUrl, true) ?? d.url;
  }
}
