/**
 * What every renderer receives: one page of entries (or stories) with the
 * context needed to write it out. Renderers are pure functions of a view: no
 * clock, no I/O, no request. `base` is the public origin (or the placeholder
 * that pre-rendered views carry, see store.ts BASE_PLACEHOLDER).
 */
import type { Story } from '../model';
import { escapeHtml } from '../normalize/text';
import type { SourceSnapshot, StoredEntry } from '../model';

export const FEED_TITLE = 'Marquee: entertainment news';
export const FEED_DESCRIPTION = 'Entertainment news from many outlets, with duplicates merged and related stories grouped.';
export const ABOUT_URL = 'https://github.com/marquee-news/marquee#json-feed-extension-_marquee';
/** Atom/RSS ids are tag: URIs (RFC 4151) that do not depend on the host name Marquee is reached by. */
export const TAG_PREFIX = 'tag:marquee,2026:';

export interface FeedView {
  base: string;
  /**
   * Path and query of this page exactly as it was requested, e.g. `/feed.json?source=variety`.
   * Self links must equal the URL the document was fetched from (W3C validator:
   * SelfDoesntMatchLocation), so this is the raw request, not a normalized form of it.
   */
  selfPath: string;
  /**
   * The filters of this feed in canonical form (`?category=film`, or '' for the default feed),
   * without paging: every page of one filtered feed shares one Atom feed id.
   */
  filterQuery: string;
  /** Path and query of the next page, or null. */
  nextPath: string | null;
  /** Newest change among the entries (RFC 3339), for `updated`/`lastBuildDate`. */
  updated: string;
  entries: StoredEntry[];
  /** entry id -> [summaryHtml, contentHtml]; entries without one render their plain summary. */
  bodies: Map<string, [string, string]>;
  sources: Record<string, SourceSnapshot>;
  stories: Map<string, Story>;
  /** primary id -> its merged copies. */
  duplicates: Map<string, StoredEntry[]>;
  /** entry id -> url, for listing a story's other members. */
  urlOf: Map<string, string>;
  /** Minutes a reader should wait between polls (the cron interval). */
  ttlMinutes: number;
  /** A human label for filtered views, e.g. "source: variety". */
  filterLabel: string | null;
}

export function entryTag(id: string): string {
  return `${TAG_PREFIX}entry:${id}`;
}

/**
 * The link of an entry: its canonical URL, else the URL as the feed gave it, and only when it
 * is http(s). Normalize already guarantees that; a renderer writing links into other people's
 * readers checks again rather than trust a stored record.
 */
export function entryLink(e: Pick<StoredEntry, 'url' | 'originalUrl'>): string | null {
  const u = e.url ?? e.originalUrl;
  return u && /^https?:\/\//i.test(u) ? u : null;
}

/** Related members of an entry's story, other than itself, at most `max`. */
export function relatedUrls(view: FeedView, entryId: string, storyId: string, max = 10): string[] {
  const story = view.stories.get(storyId);
  if (!story || story.size < 2) return [];
  const out: string[] = [];
  for (const id of story.entryIds) {
    if (id === entryId) continue;
    const u = view.urlOf.get(id);
    if (u && /^https?:\/\//i.test(u)) out.push(u);
    if (out.length >= max) break;
  }
  return out;
}

/** The Atom id of a (filtered) feed: a tag: URI that depends on the filters only (RFC 4287 §4.2.6). */
export function feedTag(filterQuery: string): string {
  return `${TAG_PREFIX}feed${filterQuery}`;
}

/**
 * A MIME type for an image URL, from its extension, or null when the URL does not say. RSS
 * requires a type on <enclosure>, so an image whose type is unknown gets media:thumbnail only.
 */
export function imageType(url: string): string | null {
  const m = /\.(jpe?g|png|gif|webp|avif)(?:[?#]|$)/i.exec(url);
  if (!m) return null;
  const ext = m[1].toLowerCase();
  return ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : `image/${ext}`;
}

/** Strip characters XML 1.0 forbids (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, lone surrogates). */
export function xmlSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
}

export function escXml(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function abs(view: FeedView, path: string): string {
  return `${view.base}${path}`;
}

/**
 * The HTML of an entry: `summary` is its summary markup, else its plain summary as a paragraph,
 * else ''; `content` is its full content markup or ''. Both were sanitized at ingest, with every
 * URL made absolute (W3C validator: ContainsRelRef), so they are written out as they are.
 */
export function entryHtml(view: FeedView, e: StoredEntry): { summary: string; content: string } {
  const b = view.bodies.get(e.id);
  const summary = b?.[0] || (e.summaryText ? `<p>${escapeHtml(e.summaryText)}</p>` : '');
  const content = b?.[1] || '';
  return { summary, content };
}
