/**
 * The domain model every stage speaks: a `Source` is a feed we poll, its
 * `SourceState` is what we remember about polling it, a `ParsedFeed` is one
 * fetched document mapped onto a single shape whatever its format, an `Entry`
 * is one normalized article as we store it, and a `Story` is a group of
 * entries about the same event. Stages pass these around; none of them does
 * I/O, so this file has no imports.
 */

/** A configured feed. `url` is where it was configured; `SourceState.url` is where we fetch it now. */
export interface Source {
  id: string;
  url: string;
  title: string | null;
  home_page_url: string | null;
  category: string | null;
}

/** A coded failure, as recorded in a source's health and returned by stages. */
export interface ErrorRecord {
  code: string;
  stage: string;
  message: string;
  at: string;
}

/** What one source's polling has taught us. Reset on success (see refresh.ts). */
export interface SourceState {
  id: string;
  /** The URL as configured; a different configured URL resets the state. */
  configuredUrl: string;
  /** Current fetch URL: the configured one, or the target of a permanent redirect seen often enough. */
  url: string;
  etag: string | null;
  lastModified: string | null;
  /** SHA-256 (hex) of the last body we parsed; an identical 200 body is not parsed again. */
  bodyHash: string | null;
  lastFetchAt: string | null;
  lastStatus: number | null;
  lastSuccessAt: string | null;
  /** Last time a fetch brought new or changed entries. */
  lastChangeAt: string | null;
  consecutiveFailures: number;
  firstFailureAt: string | null;
  lastError: ErrorRecord | null;
  /** A problem that did not stop the fetch (a malformed document repaired), until a clean parse. */
  lastWarning?: ErrorRecord | null;
  /** Earliest time the next fetch may happen (backoff, Retry-After); null = follow the schedule. */
  notBefore: string | null;
  /**
   * Due since this time but not fetched yet: the subrequest budget or the run's deadline left
   * it for a later run. Such a source is overdue, and the most overdue go first.
   */
  dueSince?: string | null;
  /** Handed to a queue consumer at this time (fan-out); not planned again until its result is merged or the lease ends. */
  queuedAt?: string | null;
  /** Polling interval in minutes chosen from <ttl>, Cache-Control, Expires, bounded by config. */
  intervalMinutes: number;
  /** Freshness lifetime the server last granted (Cache-Control max-age or Expires), kept so a bare 304 does not forget it. */
  freshnessSeconds?: number | null;
  /** The feed's own <ttl>, kept so a 304 can recompute the interval. */
  feedTtlMinutes: number | null;
  /** Items in the last parsed document (0 is allowed and reported, never a reason to delete). */
  itemsInFeed: number | null;
  skipHours: number[];
  skipDays: string[];
  paused: boolean;
  /** A permanent redirect target and how many runs in a row it was seen. */
  redirect: { url: string; count: number } | null;
  /** Feed-level metadata learned from the document. */
  feedTitle: string | null;
  feedLink: string | null;
  language: string | null;
}

export type FeedFormat = 'rss' | 'atom' | 'rdf' | 'json';

export interface ParsedEnclosure {
  url: string;
  type: string | null;
  length: number | null;
}

export interface ParsedImage {
  url: string;
  width: number | null;
  height: number | null;
  /** Where it was found, for the fallback chain in normalize/image.ts. */
  origin: 'media:thumbnail' | 'media:content' | 'enclosure' | 'itunes:image' | 'json:image' | 'json:banner_image';
}

/** One item as the document states it: strings are raw (may hold markup), URLs may be relative. */
export interface ParsedItem {
  guid: string | null;
  /** True when RSS said isPermaLink (or defaulted to it). */
  guidIsPermaLink: boolean;
  link: string | null;
  title: string | null;
  /** Raw summary/description markup (RSS description, Atom summary, JSON summary). */
  summary: string | null;
  /** Raw full content markup (content:encoded, Atom content, JSON content_html). */
  content: string | null;
  /** Plain-text content (JSON Feed content_text) when there is no markup. */
  contentText: string | null;
  published: string | null;
  updated: string | null;
  authors: string[];
  categories: string[];
  enclosures: ParsedEnclosure[];
  images: ParsedImage[];
  /** xml:base in effect for this item, when the document declared one. */
  base: string | null;
  /** xml:base of the content / summary element when it differs from the item's (RFC 4287 content with its own base). */
  contentBase?: string | null;
  summaryBase?: string | null;
  language: string | null;
}

export interface ParsedFeed {
  format: FeedFormat;
  /** e.g. "rss 2.0", "atom 1.0", "json 1.1" when known. */
  version: string | null;
  title: string | null;
  link: string | null;
  /** xml:base of the root element, if any. */
  base: string | null;
  language: string | null;
  image: string | null;
  ttlMinutes: number | null;
  skipHours: number[];
  skipDays: string[];
  items: ParsedItem[];
}

/** A normalized article. This is the stored record (see schemas/entry.schema.json). */
export interface Entry {
  /** Stable id: `${sourceId}:` + hash of guid, else canonical URL, else title+date. */
  id: string;
  sourceId: string;
  guid: string | null;
  /** Canonical URL (tracking parameters stripped); the dedupe key. */
  url: string | null;
  /** The URL exactly as the feed gave it, resolved to absolute. */
  originalUrl: string | null;
  title: string;
  /** Plain-text summary, at most SUMMARY_TEXT_MAX characters. */
  summaryText: string;
  /** Sanitized HTML; may be empty. Stored in body shards, not in the index. */
  summaryHtml?: string;
  contentHtml?: string;
  image: string | null;
  authors: string[];
  categories: string[];
  language: string | null;
  /** RFC 3339. Clamped to firstSeen when absent, unparseable or too far in the future. */
  published: string;
  updated: string | null;
  /** Why `published` is not the feed's own date: null, 'missing', 'unparseable' or 'future'. */
  dateInferred: 'missing' | 'unparseable' | 'future' | null;
  /** The date string as the feed gave it, kept when we did not use it. */
  dateOriginal: string | null;
  firstSeen: string;
  /** Hash of the fields a reader sees; a change means the entry was updated. */
  contentHash: string;
  /** Id of the primary entry this one duplicates (it is then hidden from deduped views). */
  dupOf: string | null;
  storyId: string;
  /**
   * Why grouping put this entry with others, for a person debugging a story card
   * (`/stories.json?explain=1`): absent or null when it started its own story.
   */
  joinReason?: JoinReason | null;
  /** Hour bucket of the body shard holding summaryHtml/contentHtml, or null when there is none. */
  bodyKey: string | null;
}

/** The duplicate rules, in the order dedupe.ts tries them. */
export type DuplicateRule = 'url' | 'text' | 'sequence' | 'republished';

/** Why an entry joined a story, or was merged as a copy of another entry. */
export interface JoinReason {
  kind: 'story' | 'duplicate';
  /** The match score, rounded to 3 decimals: cosine x time decay for a story, the rule's own measure for a copy. */
  score: number;
  /** story: the shared words that carried the match, strongest first (as written in this entry). */
  terms?: string[];
  /** duplicate: the rule that matched. */
  rule?: DuplicateRule;
}

/** A group of related entries. */
export interface Story {
  id: string;
  title: string;
  /** Number of primary (non-duplicate) entries. */
  size: number;
  sourceIds: string[];
  /** Earliest and latest `published` of its entries. */
  first: string;
  updated: string;
  /** Entry ids of its primary members, newest first. */
  entryIds: string[];
}
