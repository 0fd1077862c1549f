/**
 * The only module that touches Workers KV. It owns the key names and the
 * record shapes, counts every read and write it makes (the refresh summary
 * and the benchmarks report them), and keeps the layout inside KV's limits:
 *
 *   sources:v1            the configured source list (written by PUT /admin/sources only)
 *   health:v1             per-source polling state + the last run's summary
 *   catalog:v1            every retained entry's metadata (no HTML), one blob
 *   groups:v1             dedupe/grouping state that is not derivable from the catalog
 *   bodies:v1:<hour>:<n>  sanitized HTML of entries first stored in that hour (append-only)
 *   views:v1              the default views, pre-rendered by the run that changed something
 *   inbox:v1:<sent>:<n>   what one queue consumer fetched for one fan-out batch (optional fan-out);
 *                         written once by that consumer, merged and deleted by the next cron run
 *
 * Never a key per entry: a run that stores new entries writes one catalog,
 * one groups record, one or two body parts, one views record and one health
 * record. A run where nothing changed writes nothing. Every record carries
 * `schema` so a later layout can migrate (see migrateRecord).
 */
import type { Entry, Source, SourceState } from './model';
import type { NormalizedEntry } from './normalize/index';

export const KEYS = {
  sources: 'sources:v1',
  health: 'health:v1',
  catalog: 'catalog:v1',
  groups: 'groups:v1',
  views: 'views:v1',
  bodyPrefix: 'bodies:v1:',
  inboxPrefix: 'inbox:v1:',
} as const;

export const SCHEMA = 1;

/** Body parts are split before they reach this size (KV allows 25 MiB per value). */
export const BODY_PART_MAX_BYTES = 4 * 1024 * 1024;
/**
 * A run appends to the hour's newest part only while that part is smaller than this; otherwise
 * it starts a new one. Appending is a read-modify-write, so this bounds what a run that adds a
 * few entries reads and rewrites (the first version rewrote up to 8 MB to add 25 entries).
 */
export const BODY_PART_APPEND_MAX_BYTES = 512 * 1024;

export interface SourcesRecord {
  schema: number;
  updatedAt: string;
  sources: Source[];
}

export interface RunSummary {
  trigger: 'cron' | 'manual';
  startedAt: string;
  finishedAt: string;
  /** From the start of the run until just before the health record is written (that one write excluded). */
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
  stories: number;
  storiesTouched: number;
  /** Size of the dedupe + grouping state written (groups:v1), in bytes. */
  groupStateBytes: number;
  entriesStored: number;
  entriesExpired: number;
  subrequests: number;
  /** Fetches sent with If-None-Match or If-Modified-Since. */
  conditional: number;
  /** Sources not due this run, by reason (schedule, interval, backoff, paused, skip-hours, queued). */
  notDue: Partial<Record<string, number>>;
  /** Fan-out: sources handed to queue consumers, in how many messages, and consumer results merged or given up on. */
  sourcesQueued: number;
  batchesQueued: number;
  batchesMerged: number;
  batchesExpired: number;
  kvReads: number;
  kvWrites: number;
  kvDeletes: number;
  bytesFetched: number;
  deadlineHit: boolean;
  errors: Array<{ sourceId: string; code: string; message: string }>;
}

export interface HealthRecord {
  schema: number;
  savedAt: string;
  sources: Record<string, SourceState>;
  lastRun: RunSummary | null;
  /** Fan-out batches sent to queue consumers whose results have not been merged yet. */
  pendingBatches?: PendingBatch[];
}

export interface PendingBatch {
  key: string;
  ids: string[];
  sentAt: string;
}

/** One source's result, as a queue consumer reports it. */
export interface InboxOutcome {
  id: string;
  /** The configured URL the consumer worked from; a result for a URL since replaced is dropped. */
  configuredUrl: string;
  kind: 'parsed' | 'not-modified' | 'unchanged-body' | 'failed' | 'deferred';
  state: SourceState;
  hard: boolean;
  entries: NormalizedEntry[];
  error: { code: string; message: string } | null;
  requests: number;
  conditional: boolean;
  bytes: number;
}

export interface InboxRecord {
  schema: number;
  key: string;
  fetchedAt: string;
  outcomes: InboxOutcome[];
}

/** Source metadata as the catalog keeps it, so entries of a removed source still render. */
export interface SourceSnapshot {
  id: string;
  title: string;
  feed_url: string;
  home_page_url: string | null;
  category: string | null;
}

/** An entry as the catalog stores it: everything but the HTML. */
export type StoredEntry = Omit<Entry, 'summaryHtml' | 'contentHtml'>;

export interface CatalogRecord {
  schema: number;
  /** Incremented by every run that changes it; views and ETags derive from it. */
  rev: number;
  updatedAt: string;
  sources: Record<string, SourceSnapshot>;
  entries: StoredEntry[];
  /** Body parts in use and their size in bytes (to append to the newest part of the hour). */
  bodyParts: Record<string, number>;
}

export interface GroupsRecord {
  schema: number;
  rev: number;
  /** Opaque to the store; owned by dedupe.ts and group.ts. */
  state: unknown;
}

export interface BodiesRecord {
  schema: number;
  /** entry id -> [summaryHtml, contentHtml] */
  bodies: Record<string, [string, string]>;
}

export interface ViewsRecord {
  schema: number;
  rev: number;
  builtAt: string;
  /** RFC 7231 date of the newest change, for Last-Modified. */
  lastModified: string;
  /** render/index.ts RENDER_VERSION of the code that wrote `formats`; other versions are not served. */
  renderVersion?: number;
  /** Pre-rendered bodies; absolute URLs start with BASE_PLACEHOLDER. */
  formats: Record<string, string>;
  /**
   * The HTML of the entries on the pre-rendered first page, so the next run can render it again
   * without reading the body parts those entries live in (entry id -> [summary, content]).
   */
  bodies?: Record<string, [string, string]>;
}

/** Stand-in for the public origin in pre-rendered views, replaced per request origin. */
export const BASE_PLACEHOLDER = 'https://marquee.invalid';

export interface KvStats {
  reads: number;
  writes: number;
  deletes: number;
  bytesWritten: number;
}

/** Upgrade older record layouts here when `schema` changes; today there is only v1. */
function migrateRecord<T extends { schema: number }>(key: string, rec: T | null): T | null {
  if (rec === null) return null;
  if (rec.schema === SCHEMA) return rec;
  throw new Error(`store: ${key} has schema ${rec.schema}, this build reads ${SCHEMA}`);
}

export class Store {
  readonly stats: KvStats = { reads: 0, writes: 0, deletes: 0, bytesWritten: 0 };

  constructor(private readonly kv: KVNamespace) {}

  private async getJson<T extends { schema: number }>(key: string, cacheTtl?: number): Promise<T | null> {
    this.stats.reads++;
    const v = await this.kv.get<T>(key, cacheTtl ? { type: 'json', cacheTtl } : { type: 'json' });
    return migrateRecord(key, v);
  }

  /** Write a record; returns its size in bytes (as UTF-16 code units, close enough for budgets). */
  private async putJson(key: string, value: unknown, expirationTtl?: number): Promise<number> {
    const body = JSON.stringify(value);
    this.stats.writes++;
    this.stats.bytesWritten += body.length;
    await this.kv.put(key, body, expirationTtl ? { expirationTtl } : undefined);
    return body.length;
  }

  getSources(): Promise<SourcesRecord | null> {
    return this.getJson<SourcesRecord>(KEYS.sources);
  }
  putSources(sources: Source[], now: Date): Promise<number> {
    return this.putJson(KEYS.sources, { schema: SCHEMA, updatedAt: now.toISOString(), sources } satisfies SourcesRecord);
  }

  getHealth(): Promise<HealthRecord | null> {
    return this.getJson<HealthRecord>(KEYS.health);
  }
  putHealth(rec: Omit<HealthRecord, 'schema'>): Promise<number> {
    return this.putJson(KEYS.health, { schema: SCHEMA, ...rec });
  }

  getCatalog(): Promise<CatalogRecord | null> {
    return this.getJson<CatalogRecord>(KEYS.catalog);
  }
  putCatalog(rec: Omit<CatalogRecord, 'schema'>): Promise<number> {
    return this.putJson(KEYS.catalog, { schema: SCHEMA, ...rec });
  }

  getGroups(): Promise<GroupsRecord | null> {
    return this.getJson<GroupsRecord>(KEYS.groups);
  }
  putGroups(rec: Omit<GroupsRecord, 'schema'>): Promise<number> {
    return this.putJson(KEYS.groups, { schema: SCHEMA, ...rec });
  }

  getViews(): Promise<ViewsRecord | null> {
    return this.getJson<ViewsRecord>(KEYS.views);
  }
  putViews(rec: Omit<ViewsRecord, 'schema'>): Promise<number> {
    return this.putJson(KEYS.views, { schema: SCHEMA, ...rec });
  }

  getBodies(key: string): Promise<BodiesRecord | null> {
    return this.getJson<BodiesRecord>(key);
  }
  /** The HTML held by these body parts (read in parallel), entry id -> [summary, content]. */
  async getBodiesOf(keys: string[]): Promise<Map<string, [string, string]>> {
    const out = new Map<string, [string, string]>();
    const parts = await Promise.all(keys.map((key) => this.getBodies(key)));
    for (const rec of parts) for (const [id, pair] of Object.entries(rec?.bodies ?? {})) out.set(id, pair);
    return out;
  }
  /** A fan-out consumer's results. The consumer that owns a key is its only writer. */
  getInbox(key: string): Promise<InboxRecord | null> {
    return this.getJson<InboxRecord>(key);
  }
  /** Expires on its own (`ttlSeconds`) in case no cron run ever merges it. */
  putInbox(rec: Omit<InboxRecord, 'schema'>, ttlSeconds: number): Promise<number> {
    return this.putJson(rec.key, { schema: SCHEMA, ...rec }, Math.max(60, ttlSeconds));
  }
  /** Called by the cron run that merged it, after the health record naming it is written. */
  async deleteInbox(key: string): Promise<void> {
    if (!key.startsWith(KEYS.inboxPrefix)) throw new Error(`store: ${key} is not an inbox key`);
    this.stats.deletes++;
    await this.kv.delete(key);
  }

  /** Body parts expire on their own a day after retention would drop their entries. */
  putBodies(key: string, rec: Omit<BodiesRecord, 'schema'>, ttlSeconds: number): Promise<number> {
    return this.putJson(key, { schema: SCHEMA, ...rec }, Math.max(60, ttlSeconds));
  }
}

/** The inbox key of fan-out batch `n` sent by the run at `sentAt`. */
export function inboxKey(sentAt: Date, n: number): string {
  return `${KEYS.inboxPrefix}${sentAt.toISOString()}:${n}`;
}

/** The body key for entries first stored in the hour of `at`, part `n`. */
export function bodyKey(at: Date, part: number): string {
  return `${KEYS.bodyPrefix}${at.toISOString().slice(0, 13)}:${part}`;
}
