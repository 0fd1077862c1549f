/**
 * The domain model every stage speaks: a `Source` is a feed we poll, its
 * `SourceState` is what we remember about polling it, a `ParsedFeed` is one
 * fetched document mapped onto a single shape whatever its format, an `Entry`
 * is one normalized article as we store it, and a `Story` is a group of
 * entries about the same event. Stages pass these around; none of them does
 * I/O, so this file has no imports.
 *
 * The second half of the file is the vocabulary of a run: what one source's
 * fetch produced (`SourceOutcome`), what the single writer commits, and the
 * `RunSummary` a run reports.
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
  /** Playing time the document states for this file (JSON Feed duration_in_seconds). */
  durationSeconds?: number | null;
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
  /** itunes:duration as written ("1:17:07", "4627"), for the item's audio or video enclosure. */
  duration?: string | null;
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
  /** WebSub hubs the document advertises (W3C WebSub §4: link rel="hub"; JSON Feed `hubs`). */
  hubs?: string[];
  /** Its own URL as it states it (rel="self"; JSON Feed `feed_url`): the WebSub topic. */
  self?: string | null;
}

/** A file an entry carries (RSS <enclosure>, Atom link rel="enclosure", JSON Feed attachment). */
export interface Enclosure {
  /** Absolute http(s) URL. */
  url: string;
  /** MIME type as the feed gave it, or null. */
  type: string | null;
  /** Size in bytes, or null when the feed gives none (or 0, its "unknown"). */
  length: number | null;
  /** Playing time in whole seconds (itunes:duration, duration_in_seconds), or null. */
  durationSeconds: number | null;
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
  /** Sanitized HTML; may be empty. Stored beside the entry, loaded only for the entries rendered. */
  summaryHtml?: string;
  contentHtml?: string;
  image: string | null;
  /**
   * Files the item carries (podcast audio, video, documents; images too), as the feed states
   * them. Absent on entries stored before enclosures were kept; read that as [].
   */
  enclosures?: Enclosure[];
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
  /** The member whose headline, summary, image and link represent the story (catalog.ts leadOf). */
  leadId: string;
  /** Distinct outlets among its primary members (copies never count): rank.ts. */
  outlets: number;
  /** Outlets that published within RANKING.momentumHours before `updated` (at least 1). */
  momentum: number;
  /** The ranking key, epoch milliseconds (rank.ts rankKey). */
  rank: number;
  /** Latest first-seen time among its primaries: when its newest coverage reached Marquee. */
  seen: string;
  /**
   * The time of the commit at which the story last gained a member (a primary or a copy) after
   * it was first stored, or null: what moves a story feed item's `updated` when coverage grows,
   * even when the new article carries an older date than the newest one.
   */
  grownAt: string | null;
}

/** An entry as stored and listed: everything but the HTML, which is loaded only for the entries rendered. */
export type StoredEntry = Omit<Entry, 'summaryHtml' | 'contentHtml'>;

/** The sanitized HTML of one entry: [summaryHtml, contentHtml]. */
export type EntryBodies = [string, string];

/** Source metadata as views show it: the configured title, else the feed's own, else the id. */
export interface SourceSnapshot {
  id: string;
  title: string;
  feed_url: string;
  home_page_url: string | null;
  category: string | null;
}

/** A feed error as it crosses from the fetching side to the writer (a plain object, not a class). */
export interface FetchFailureInfo {
  code: string;
  stage: string;
  message: string;
  status: number | null;
  retryAfterSeconds: number | null;
}

/** A problem that did not stop a source's fetch (a field cut to its limit, a repaired document). */
export interface IngestWarning {
  code: string;
  message: string;
}

/**
 * What fetching one source produced, before anything is stored. The writer applies it to the
 * source's state as it is at commit time, so two runs that overlap never undo each other.
 */
export interface SourceOutcome {
  id: string;
  /** The configured URL it was fetched for; a result for a URL since replaced is dropped. */
  configuredUrl: string;
  /** 'pushed': a body a WebSub hub distributed (websub.ts); it adds entries and leaves polling state alone. */
  kind: 'parsed' | 'not-modified' | 'unchanged-body' | 'failed' | 'deferred' | 'pushed';
  /** Facts for health.onSuccess (not for 'failed' or 'deferred'). */
  success: SuccessFacts | null;
  failure: FetchFailureInfo | null;
  /** Entries as normalized, with their HTML and the long text near-duplicate detection reads; empty unless parsed. */
  entries: Array<Entry & { fullText: string }>;
  warnings: IngestWarning[];
  requests: number;
  /** Connection retries among `requests`. */
  retries: number;
  conditional: boolean;
  bytes: number;
}

/** What a successful fetch tells the source's state (see health.ts onSuccess). */
export interface SuccessFacts {
  status: number;
  etag: string | null;
  lastModified: string | null;
  freshnessSeconds: number | null;
  permanentRedirect: string | null;
  parsed?: {
    bodyHash: string;
    ttlMinutes: number | null;
    skipHours: number[];
    skipDays: string[];
    title: string | null;
    link: string | null;
    language: string | null;
    items: number;
    changedEntries: number;
    repaired?: boolean;
    /** WebSub discovery (websub.ts): the hubs the feed advertises and the topic URL to subscribe to. */
    hubs?: string[];
    topic?: string | null;
  };
  unchangedBody?: boolean;
}

/** What one ingest run did, as /admin/refresh returns it and /admin/runs lists it. */
export interface RunSummary {
  trigger: 'cron' | 'manual' | 'queue' | 'push';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  sourcesTotal: number;
  sourcesDue: number;
  sourcesFetched: number;
  /** Due sources left for a later run by the subrequest budget or the deadline. */
  sourcesDeferred: number;
  notModified: number;
  unchangedBody: number;
  parsed: number;
  failed: number;
  newEntries: number;
  updatedEntries: number;
  duplicates: number;
  /** Duplicates by the rule that found them. */
  duplicatesBy: Record<string, number>;
  /** Stories a new or updated entry joined or started in this run. */
  storiesTouched: number;
  /** What is stored after the run (not what the run touched). */
  entriesStored: number;
  stories: number;
  entriesExpired: number;
  subrequests: number;
  /** Connection retries (a request sent again after the connection failed), included in `subrequests`. */
  retries: number;
  /** Fetches sent with If-None-Match or If-Modified-Since. */
  conditional: number;
  /** Sources not due this run, by reason (schedule, interval, backoff, paused, skip-hours, queued). */
  notDue: Partial<Record<string, number>>;
  /** Fan-out: sources handed to queue consumers, and in how many messages. */
  sourcesQueued: number;
  batchesQueued: number;
  /** Storage work: SQL rows read and written by the single writer, KV writes of views and their size. */
  sqlRowsRead: number;
  sqlRowsWritten: number;
  kvWrites: number;
  /** Bytes of the views record written to KV (UTF-16 code units of its JSON, as views.ts counts them). */
  kvBytesWritten: number;
  bytesFetched: number;
  deadlineHit: boolean;
  errors: Array<{ sourceId: string; code: string; message: string }>;
  warnings: Array<{ sourceId: string; code: string; message: string }>;
}
