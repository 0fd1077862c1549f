/**
 * The limits every field meets at ingest, in one place (README, "Parsing and
 * normalization", has the same table), and the one pass that applies them to
 * a normalized entry. A feed is hostile input: a single 4 MiB title would be
 * stored and rendered whole, and one oversized record can push a stored value
 * past what KV or a Durable Object accepts, so every field is bounded before
 * anything is stored.
 *
 * Text is cut at a character boundary (never inside a surrogate pair) with an
 * ellipsis; sanitized HTML is cut by the sanitizer itself, at a tag boundary
 * with every open tag closed, so it stays well formed; a list keeps its first
 * entries. A URL is never cut (a cut URL points somewhere else): one over the
 * limit is dropped. Each cut is reported once per field and item through the
 * `warn` callback, so the source's health can show it.
 *
 * Text is also made safe to serialize: unpaired surrogates (possible only
 * from JSON, `"\ud800"`) and U+FFFE/U+FFFF become U+FFFD, and the C0 controls
 * XML 1.0 §2.2 does not allow (everything below U+0020 but tab, LF and CR)
 * are removed, as the XML reader removes them from RSS and Atom.
 */
import type { Entry, ParsedItem } from '../model';
import { safeText } from '../parse/charset';

export { safeText };

/** Characters, or entries for lists. README "Parsing and normalization" lists the same numbers. */
export const LIMITS = {
  /** Plain-text title. */
  title: 1_000,
  /** Sanitized summary HTML, tags included (its text is also capped: SUMMARY_HTML_TEXT_MAX). */
  summaryHtml: 16_384,
  /** Sanitized content HTML, tags included (its text is also capped: CONTENT_TEXT_MAX). */
  contentHtml: 65_536,
  /** One author's name; and how many authors. */
  author: 500,
  authors: 20,
  /** One category; and how many categories. */
  category: 200,
  categories: 20,
  /** Any URL: links, images, enclosures, URLs inside HTML. Longer ones are dropped, not cut. */
  url: 2_048,
  /** The feed's own id for an item. */
  guid: 2_048,
  /** Enclosures (and media images) read per item. */
  enclosures: 50,
  /** The feed's language tag, and the date as the feed wrote it. */
  language: 35,
  dateOriginal: 100,
  /** The title a feed gives itself (the source's title in its health). */
  feedTitle: 1_000,
} as const;

export const MAX_URL_CHARS = LIMITS.url;

export type LimitedField = keyof typeof LIMITS;

/** What normalize reports when it had to cut a field. */
export interface FieldWarning {
  code: 'FIELD_TRUNCATED';
  field: LimitedField;
  /** The item's guid, else its link, as the feed wrote it (its first 200 characters). */
  itemId?: string;
  limit: number;
}

/** How a warning names an item: its guid or link, short enough to show. */
export function itemRef(guidOrLink: string | null | undefined): string | undefined {
  return guidOrLink ? cutText(safeText(guidOrLink), 200) : undefined;
}

export type Warn = (w: FieldWarning) => void;

/** The first `max` characters of `s`, never ending inside a surrogate pair, with an ellipsis when cut. */
export function cutText(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/** One text field: made safe, then cut to its limit (reported through `warn`). */
export function limitText(s: string, field: LimitedField, warn: Warn | undefined, itemId?: string): string {
  const t = safeText(s);
  const max = LIMITS[field];
  if (t.length <= max) return t;
  warn?.({ code: 'FIELD_TRUNCATED', field, itemId, limit: max });
  return cutText(t, max);
}

function limitUrl(u: string | null, field: LimitedField, warn: Warn | undefined, itemId: string | undefined): string | null {
  if (u === null) return null;
  if (u.length <= LIMITS.url) return safeText(u);
  warn?.({ code: 'FIELD_TRUNCATED', field, itemId, limit: LIMITS.url });
  return null;
}

function limitList(xs: string[], one: LimitedField, many: LimitedField, warn: Warn | undefined, itemId: string | undefined): string[] {
  let list = xs;
  if (list.length > LIMITS[many]) {
    warn?.({ code: 'FIELD_TRUNCATED', field: many, itemId, limit: LIMITS[many] });
    list = list.slice(0, LIMITS[many]);
  }
  return list.map((x) => limitText(x, one, warn, itemId)).filter(Boolean);
}

/** An item with at most LIMITS.enclosures enclosures and as many media images (the same item when within). */
export function limitItem(item: ParsedItem, warn?: Warn): ParsedItem {
  const max = LIMITS.enclosures;
  if (item.enclosures.length <= max && item.images.length <= max) return item;
  warn?.({ code: 'FIELD_TRUNCATED', field: 'enclosures', itemId: itemRef(item.guid ?? item.link), limit: max });
  return { ...item, enclosures: item.enclosures.slice(0, max), images: item.images.slice(0, max) };
}

/**
 * An entry with every field within its limit and safe to serialize. HTML fields arrive capped
 * by the sanitizer (normalize passes LIMITS.summaryHtml/contentHtml), so here they are only
 * cleaned of characters, which cannot open or close markup.
 */
export function limitEntry<E extends Entry>(e: E, report?: Warn): E {
  const id = itemRef(e.guid ?? e.originalUrl);
  // One warning per field and entry, however many of its authors or URLs were cut.
  const warned = new Set<LimitedField>();
  const warn: Warn | undefined = report && ((w) => {
    if (warned.has(w.field)) return;
    warned.add(w.field);
    report(w);
  });
  e.title = limitText(e.title, 'title', warn, id);
  e.summaryText = safeText(e.summaryText);
  if (e.summaryHtml) e.summaryHtml = safeText(e.summaryHtml);
  if (e.contentHtml) e.contentHtml = safeText(e.contentHtml);
  e.guid = e.guid === null ? null : limitText(e.guid, 'guid', warn, id);
  e.url = limitUrl(e.url, 'url', warn, id);
  e.originalUrl = limitUrl(e.originalUrl, 'url', warn, id);
  e.image = limitUrl(e.image, 'url', warn, id);
  e.authors = limitList(e.authors, 'author', 'authors', warn, id);
  e.categories = limitList(e.categories, 'category', 'categories', warn, id);
  if (e.language !== null) e.language = limitText(e.language, 'language', warn, id);
  if (e.dateOriginal !== null) e.dateOriginal = limitText(e.dateOriginal, 'dateOriginal', warn, id);
  return e;
}
