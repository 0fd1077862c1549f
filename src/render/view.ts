/**
 * What every renderer receives: one page of entries (or stories) with the
 * context needed to write it out. Renderers are pure functions of a view: no
 * clock, no I/O, no request. `base` is the public origin (or the placeholder
 * that pre-rendered views carry, see store.ts BASE_PLACEHOLDER).
 */
import type { Enclosure, Story } from '../model';
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
  /** WebSub hubs to advertise; empty except on the unfiltered first pages (hubLinks). */
  hubs: string[];
}

/**
 * The WebSub hubs a feed advertises (W3C WebSub §4: `rel="hub"` beside `rel="self"`, the topic).
 * Only the unfiltered first page of each feed is a topic Marquee pings after a run (websub.ts);
 * a filtered or later page would never be pinged, so the renderers are handed hubs only for
 * those topics, and only when PUBLIC_URL fixes the topic's URL.
 */
export function hubLinks(hubs: string[]): string[] {
  return hubs.filter((h) => /^https?:\/\//i.test(h));
}

/** RFC 822 date as the RSS profile wants it: `Thu, 26 Nov 2026 08:00:00 GMT`. */
export const rfc822 = (iso: string) => new Date(iso).toUTCString();

/** What the head of an entry feed and of a story feed say alike. */
export interface FeedHead {
  base: string;
  selfPath: string;
  nextPath: string | null;
  updated: string;
  ttlMinutes: number;
  hubs: string[];
}

/** An RSS 2.0 channel's elements before its first item, from `<channel>` on. */
export function rssChannelHead(view: FeedHead, title: string, description: string): string[] {
  const out = ['<channel>', `<title>${escXml(title)}</title>`, `<link>${escXml(abs(view, '/'))}</link>`, `<description>${escXml(description)}</description>`];
  out.push(`<atom:link rel="self" type="application/rss+xml" href="${escXml(abs(view, view.selfPath))}"/>`);
  for (const h of hubLinks(view.hubs)) out.push(`<atom:link rel="hub" href="${escXml(h)}"/>`);
  if (view.nextPath) out.push(`<atom:link rel="next" type="application/rss+xml" href="${escXml(abs(view, view.nextPath))}"/>`);
  out.push(`<lastBuildDate>${rfc822(view.updated)}</lastBuildDate>`);
  out.push('<docs>https://www.rssboard.org/rss-specification</docs>', '<generator>Marquee</generator>', `<ttl>${view.ttlMinutes}</ttl>`);
  return out;
}

/** A JSON Feed 1.1 document's members before `items`, in the order both feeds write them. */
export function jsonFeedHead(view: FeedHead, title: string, description: string, comment: string): Record<string, unknown> {
  const hubs = hubLinks(view.hubs);
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title,
    home_page_url: abs(view, '/'),
    feed_url: abs(view, view.selfPath),
    description,
    user_comment: comment,
    authors: [{ name: 'Marquee', url: abs(view, '/') }],
    next_url: view.nextPath ? abs(view, view.nextPath) : undefined,
    hubs: hubs.length ? hubs.map((url) => ({ type: 'WebSub', url })) : undefined,
    _marquee: { about: ABOUT_URL, version: 1, updated: view.updated },
  };
}

/** An Atom feed's elements before its first entry, from `<id>` on. */
export function atomFeedHead(view: FeedHead, id: string, title: string, subtitle: string): string[] {
  const out = [`<id>${escXml(id)}</id>`, `<title type="text">${escXml(title)}</title>`, `<subtitle type="text">${escXml(subtitle)}</subtitle>`, `<updated>${view.updated}</updated>`];
  out.push(`<link rel="self" type="application/atom+xml" href="${escXml(abs(view, view.selfPath))}"/>`);
  for (const h of hubLinks(view.hubs)) out.push(`<link rel="hub" href="${escXml(h)}"/>`);
  out.push(`<link rel="alternate" type="text/html" href="${escXml(abs(view, '/'))}"/>`);
  if (view.nextPath) out.push(`<link rel="next" type="application/atom+xml" href="${escXml(abs(view, view.nextPath))}"/>`);
  out.push(`<author><name>Marquee</name><uri>${escXml(abs(view, '/'))}</uri></author>`, '<generator>Marquee</generator>');
  return out;
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

/** MIME types of the file extensions enclosures use, for a file whose feed stated no type. */
const TYPE_OF_EXT: Record<string, string> = {
  mp3: 'audio/mpeg', m4a: 'audio/mp4', aac: 'audio/aac', ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/opus', wav: 'audio/wav',
  flac: 'audio/flac', mp4: 'video/mp4', m4v: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', pdf: 'application/pdf',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif',
};

/**
 * The MIME type to write for an enclosure: the feed's, else the one its file extension names, else
 * application/octet-stream (RFC 2046 §4.5.1: "arbitrary binary data"). RSS 2.0 requires a type on
 * <enclosure> and JSON Feed 1.1 a mime_type on every attachment.
 */
export function enclosureType(e: Pick<Enclosure, 'url' | 'type'>): string {
  if (e.type) return e.type;
  const m = /\.([a-z0-9]{2,5})(?:[?#]|$)/i.exec(e.url.replace(/^https?:\/\/[^/]*/i, ''));
  return (m && TYPE_OF_EXT[m[1].toLowerCase()]) || 'application/octet-stream';
}

/** An entry's enclosures (entries stored before enclosures were kept have none). */
export const enclosuresOf = (e: Pick<StoredEntry, 'enclosures'>): Enclosure[] => e.enclosures ?? [];

/** Strip characters XML 1.0 forbids (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, lone surrogates). */
export function xmlSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
}

export function escXml(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A plain-text element's content (a title, a name, a category). The RSS Board profile (§"Encoding
 * character data") asks for `&` and `<` in plain text as the hexadecimal references &#x26; and
 * &#x3C;, so no reader takes "AT&T <3" for HTML; the W3C validator accepts a text element written
 * so (it does not warn ContainsHTML, CharacterData or ContainsUndeclaredHTML for it). Any XML
 * parser reads the same characters.
 */
export function escPlain(s: string): string {
  return xmlSafe(s).replace(/&/g, '&#x26;').replace(/</g, '&#x3C;').replace(/>/g, '&gt;');
}

export function abs(view: Pick<FeedView, 'base'>, path: string): string {
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

/**
 * The page a player embed shows: YouTube's and Vimeo's embed URLs have a watch page; for other
 * allowed players (normalize/html.ts IFRAME_HOSTS) the player URL itself is the link.
 */
export function videoPage(src: string): string {
  const yt = /^https?:\/\/(?:www\.)?youtube(?:-nocookie)?\.com\/embed\/([\w-]{6,})/i.exec(src);
  if (yt) return `https://www.youtube.com/watch?v=${yt[1]}`;
  const vimeo = /^https?:\/\/player\.vimeo\.com\/video\/(\d+)/i.exec(src);
  return vimeo ? `https://vimeo.com/${vimeo[1]}` : src;
}

const IFRAME = /<iframe\b([^>]*)><\/iframe>/g;
const ATTR = (name: string) => new RegExp(`\\s${name}="([^"]*)"`);
const unescAttr = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Sanitized HTML as RSS and Atom carry it. The W3C Feed Validation Service checks feed HTML against
 * a list of elements and attributes it deems safe (SecurityRisk, SecurityRiskAttr): iframes are
 * not on it, nor `controls`. So an allowed embed becomes a link to its video ("Video: <title>"),
 * and players lose `controls` (readers add their own). JSON Feed and the page keep the embed
 * itself: it comes only from IFRAME_HOSTS and is sandboxed (html.ts), and no validator reads them.
 * The input is our sanitizer's own output, whose markup has one fixed shape, so a pattern suffices.
 */
export function feedReaderHtml(html: string): string {
  if (!html.includes('<iframe') && !html.includes(' controls')) return html;
  return html
    .replace(IFRAME, (_m, attrs: string) => {
      const src = unescAttr(ATTR('src').exec(attrs)?.[1] ?? '');
      const title = unescAttr(ATTR('title').exec(attrs)?.[1] ?? '').trim();
      if (!src) return '';
      const page = videoPage(src);
      const label = title || (/^https?:\/\/(?:www\.)?([^/:?#]+)/i.exec(page)?.[1] ?? 'video');
      return `<a href="${escapeHtml(page)}" rel="noopener noreferrer">Video: ${escapeHtml(label)}</a>`;
    })
    .replace(/<(video|audio)\b([^>]*?) controls(?=[\s>])/g, '<$1$2');
}
