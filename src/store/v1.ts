/**
 * Upgrade in place: a deployment that ran the v1 layout (everything in a few
 * KV blobs) has its data imported into the catalog object the first time the
 * object starts, losing nothing a reader or the poller relies on: the same
 * entry ids and story ids, duplicates, the HTML, each source's polling state
 * and validators, and the last run summary. The grouping state is rebuilt
 * from the entries (its v1 layout belonged to the earlier grouping code),
 * keeping v1's text fingerprints.
 *
 * The v1 keys are read, never written or deleted, so a rollback to the v1
 * code still finds its data. Entries of sources the v1 list no longer named
 * (v1 kept them until they expired) are not imported: in v2 a removed
 * source's entries go with it (commit.ts replaceSources).
 *
 * Import is idempotent: it clears what an interrupted earlier attempt wrote,
 * and the object marks itself initialized only after it completed.
 */
import { groupOptions, refreshStories } from '../commit';
import type { DupRecord } from '../grouping-state';
import { rebuildState } from '../placement';
import type { RunConfig } from '../config';
import type { EntryBodies, RunSummary, Source, SourceState, StoredEntry } from '../model';
import { urlMatchKey } from '../normalize/url';
import { DEFAULT_SOURCES } from '../sources';
import type { CatalogDb } from './db';
import { SqlGroupingState } from './grouping-sql';

/** The v1 key names and record shapes, as the v1 code wrote them. */
export const V1_KEYS = {
  sources: 'sources:v1',
  health: 'health:v1',
  catalog: 'catalog:v1',
  groups: 'groups:v1',
} as const;

interface V1Sources {
  schema: 1;
  updatedAt: string;
  sources: Source[];
}

interface V1Health {
  schema: 1;
  savedAt: string;
  sources: Record<string, SourceState>;
  lastRun: (Partial<RunSummary> & { startedAt: string }) | null;
}

type V1Entry = StoredEntry & { bodyKey?: string | null };

interface V1Catalog {
  schema: 1;
  rev: number;
  updatedAt: string;
  entries: V1Entry[];
}

interface V1Bodies {
  schema: 1;
  bodies: Record<string, EntryBodies>;
}

/** What an import writes, cleared first so that an interrupted import can simply run again. */
const IMPORTED_TABLES = ['entries', 'sources', 'stories', 'tombstones', 'runs', 'term_df', 'source_docs', 'source_df', 'open_stories', 'story_terms', 'dup_records', 'dup_keys', 'dup_postings'];

export interface V1Import {
  sources: number;
  entries: number;
  skipped: number;
}

/** Import v1 data if the namespace has any; returns null when there is none. */
export async function importV1(kv: KVNamespace, storage: DurableObjectStorage, db: CatalogDb, cfg: RunConfig, now: Date): Promise<V1Import | null> {
  const [sources, catalog] = await Promise.all([kv.get<V1Sources>(V1_KEYS.sources, 'json'), kv.get<V1Catalog>(V1_KEYS.catalog, 'json')]);
  if (!sources && !catalog) return null;
  const [health, groups] = await Promise.all([kv.get<V1Health>(V1_KEYS.health, 'json'), kv.get<{ state: unknown }>(V1_KEYS.groups, 'json')]);
  const list = sources?.sources ?? DEFAULT_SOURCES;
  storage.transactionSync(() => {
    for (const t of IMPORTED_TABLES) db.sql.run(`DELETE FROM ${t}`);
    db.sql.run("DELETE FROM meta WHERE key = 'term_docs'");
    list.forEach((s, i) => db.upsertSource(s, i));
    for (const s of list) {
      const st = health?.sources[s.id];
      if (st && st.configuredUrl === s.url) db.saveState(st, new Date(health!.savedAt));
    }
    if (sources) db.setMeta('sources_updated_at', sources.updatedAt);
    if (health?.lastRun) db.addRun(health.lastRun.startedAt, { ...health.lastRun, imported: 'v1' }, 200);
  });
  const configured = new Set(list.map((s) => s.id));
  const entries = (catalog?.entries ?? []).filter((e) => configured.has(e.sourceId));
  // One body part at a time: a v1 part holds up to 4 MB of HTML.
  const byPart = new Map<string | null, V1Entry[]>();
  for (const e of entries) byPart.set(e.bodyKey ?? null, [...(byPart.get(e.bodyKey ?? null) ?? []), e]);
  for (const [key, group] of byPart) {
    const bodies = key ? (await kv.get<V1Bodies>(key, 'json'))?.bodies ?? {} : {};
    storage.transactionSync(() => {
      for (const { bodyKey: _k, ...e } of group) db.insertEntry(e, urlMatchKey(e.url), bodies[e.id] ?? ['', '']);
    });
  }
  storage.transactionSync(() => {
    refreshStories(db, new Set(entries.filter((e) => !e.dupOf).map((e) => e.storyId)));
    rebuildGrouping(db, cfg, entries, groups?.state ?? null);
    db.setMeta('rev', String(catalog?.rev ?? 0));
    db.setMeta('updated_at', catalog?.updatedAt ?? now.toISOString());
    db.setMeta('imported_v1', JSON.stringify({ at: now.toISOString(), entries: entries.length }));
  });
  return { sources: list.length, entries: entries.length, skipped: (catalog?.entries.length ?? 0) - entries.length };
}

/**
 * The grouping state of the imported entries: term statistics and the open stories re-formed
 * from the entries (with their v1 story ids), and the duplicate index with the text
 * fingerprints v1 kept (the same encoding), so copies of imported articles are still found.
 */
function rebuildGrouping(db: CatalogDb, cfg: RunConfig, entries: StoredEntry[], state: unknown): void {
  const fps = (state as { dedupe?: { v?: number; fp?: Record<string, DupRecord['fp']> } } | null)?.dedupe;
  rebuildState(new SqlGroupingState(db.sql), entries, groupOptions(cfg), fps?.v === 3 ? fps.fp ?? {} : {});
}
