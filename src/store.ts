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
 *
 * Never a key per entry: a run that stores new entries writes one catalog,
 * one groups record, one or two body parts, one views record and one health
 * record. A run where nothing changed writes nothing. Every record carries
 * `schema` so a later layout can migrate (see migrateRecord).
 */
import type { Entry, Source, SourceState } from './model';

export const KEYS = {
  sources: 'sources:v1',
  health: 'health:v1',
  catalog: 'catalog:v1',
  groups: 'groups:v1',
  views: 'views:v1',
  bodyPrefix: 'bodies:v1:',
} as const;

export const SCHEMA = 1;

/** Body parts are split before they reach this size (KV allows 25 MiB per value). */
export const BODY_PART_MAX_BYTES = 8 * 1024 * 1024;

export interface SourcesRecord {
  schema: number;
  updatedAt: string;
  sources: Source[];
}

export interface RunSummary {
  trigger: 'cron' | 'manual';
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
  stories: number;
  storiesTouched: number;
  entriesStored: number;
  entriesExpired: number;
  subrequests: number;
  kvReads: number;
  kvWrites: number;
  bytesFetched: number;
  deadlineHit: boolean;
  errors: Array<{ sourceId: string; code: string; message: string }>;
}

export interface HealthRecord {
  schema: number;
  savedAt: string;
  sources: Record<string, SourceState>;
  lastRun: RunSummary | null;
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
}

/** Stand-in for the public origin in pre-rendered views, replaced per request origin. */
export const BASE_PLACEHOLDER = 'https://marquee.invalid';

export interface KvStats {
  reads: number;
  writes: number;
  bytesWritten: number;
}

/** Upgrade older record layouts here when `schema` changes; today there is only v1. */
function migrateRecord<T extends { schema: number }>(key: string, rec: T | null): T | null {
  if (rec === null) return null;
  if (rec.schema === SCHEMA) return rec;
  throw new Error(`store: ${key} has schema ${rec.schema}, this build reads ${SCHEMA}`);
}

export class Store {
  readonly stats: KvStats = { reads: 0, writes: 0, bytesWritten: 0 };

  constructor(private readonly kv: KVNamespace) {}

  private async getJson<T extends { schema: number }>(key: string, cacheTtl?: number): Promise<T | null> {
    this.stats.reads++;
    const v = await this.kv.get<T>(key, cacheTtl ? { type: 'json', cacheTtl } : { type: 'json' });
    return migrateRecord(key, v);
  }

  private async putJson(key: string, value: unknown, expirationTtl?: number): Promise<void> {
    const body = JSON.stringify(value);
    this.stats.writes++;
    this.stats.bytesWritten += body.length;
    await this.kv.put(key, body, expirationTtl ? { expirationTtl } : undefined);
  }

  getSources(): Promise<SourcesRecord | null> {
    return this.getJson<SourcesRecord>(KEYS.sources);
  }
  putSources(sources: Source[], now: Date): Promise<void> {
    return this.putJson(KEYS.sources, { schema: SCHEMA, updatedAt: now.toISOString(), sources } satisfies SourcesRecord);
  }

  getHealth(): Promise<HealthRecord | null> {
    return this.getJson<HealthRecord>(KEYS.health);
  }
  putHealth(rec: Omit<HealthRecord, 'schema'>): Promise<void> {
    return this.putJson(KEYS.health, { schema: SCHEMA, ...rec });
  }

  getCatalog(): Promise<CatalogRecord | null> {
    return this.getJson<CatalogRecord>(KEYS.catalog);
  }
  putCatalog(rec: Omit<CatalogRecord, 'schema'>): Promise<void> {
    return this.putJson(KEYS.catalog, { schema: SCHEMA, ...rec });
  }

  getGroups(): Promise<GroupsRecord | null> {
    return this.getJson<GroupsRecord>(KEYS.groups);
  }
  putGroups(rec: Omit<GroupsRecord, 'schema'>): Promise<void> {
    return this.putJson(KEYS.groups, { schema: SCHEMA, ...rec });
  }

  getViews(): Promise<ViewsRecord | null> {
    return this.getJson<ViewsRecord>(KEYS.views);
  }
  putViews(rec: Omit<ViewsRecord, 'schema'>): Promise<void> {
    return this.putJson(KEYS.views, { schema: SCHEMA, ...rec });
  }

  getBodies(key: string): Promise<BodiesRecord | null> {
    return this.getJson<BodiesRecord>(key);
  }
  /** Body parts expire on their own a day after retention would drop their entries. */
  putBodies(key: string, rec: Omit<BodiesRecord, 'schema'>, ttlSeconds: number): Promise<void> {
    return this.putJson(key, { schema: SCHEMA, ...rec }, Math.max(60, ttlSeconds));
  }
}

/** The body key for entries first stored in the hour of `at`, part `n`. */
export function bodyKey(at: Date, part: number): string {
  return `${KEYS.bodyPrefix}${at.toISOString().slice(0, 13)}:${part}`;
}
