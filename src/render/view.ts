/**
 * What every renderer receives: one page of entries (or stories) with the
 * context needed to write it out. Renderers are pure functions of a view: no
 * clock, no I/O, no request. `base` is the public origin (or the placeholder
 * that pre-rendered views carry, see store.ts BASE_PLACEHOLDER).
 */
import type { Story } from '../model';
import type { SourceSnapshot, StoredEntry } from '../store';

export const FEED_TITLE = 'Marquee: entertainment news';
export const FEED_DESCRIPTION = 'Entertainment news from many outlets, with duplicates merged and related stories grouped.';
export const ABOUT_URL = 'https://github.com/marquee-news/marquee#json-feed-extension-_marquee';
/** Atom/RSS ids are tag: URIs (RFC 4151) that do not depend on the host name Marquee is reached by. */
export const TAG_PREFIX = 'tag:marquee,2026:';

export interface FeedView {
  base: string;
  /** Path and query of this page, e.g. `/feed.json?source=variety`. */
  selfPath: string;
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

/** Related members of an entry's story, other than itself, at most `max`. */
export function relatedUrls(view: FeedView, entryId: string, storyId: string, max = 10): string[] {
  const story = view.stories.get(storyId);
  if (!story || story.size < 2) return [];
  const out: string[] = [];
  for (const id of story.entryIds) {
    if (id === entryId) continue;
    const u = view.urlOf.get(id);
    if (u) out.push(u);
    if (out.length >= max) break;
  }
  return out;
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

/** The HTML shown for an entry: its content, else its summary, else its plain summary as a paragraph. */
export function entryHtml(view: FeedView, e: StoredEntry): { summary: string; content: string } {
  const b = view.bodies.get(e.id);
  const summary = b?.[0] || '';
  const content = b?.[1] || '';
  return { summary, content };
}
