/**
 * One page of a list view, read from the catalog with indexed queries: the
 * page itself plus exactly what rendering it needs (the stories its entries
 * belong to, their other members and copies, the HTML of the page's entries,
 * the sources). Its size follows the page, never the catalog. The same
 * bundles feed the pre-rendered default views (object.ts) and filtered
 * requests (serve.ts, over RPC), so both render from one shape.
 */
import type { Cursor, ListQuery } from '../query';
import type { EntryBodies, SourceSnapshot, Story, StoredEntry } from '../model';
import type { CatalogDb } from './db';

export interface PageBundle {
  /** The catalog revision and its time: the version ETags and cache keys derive from. */
  rev: number;
  updatedAt: string;
  sources: Record<string, SourceSnapshot>;
  /** Entry pages: the page. Story pages: empty. */
  entries: StoredEntry[];
  /** Story pages: the page. Entry pages: the stories of the page's entries. */
  stories: Story[];
  /** Every entry (primaries and copies) of `stories`. */
  members: StoredEntry[];
  /** HTML of the page's entries (entry pages only). */
  bodies: Array<[string, EntryBodies]>;
  next: Cursor | null;
}

export function revisionOf(db: CatalogDb): { rev: number; updatedAt: string } {
  return { rev: Number(db.meta('rev') ?? '0'), updatedAt: db.meta('updated_at') ?? new Date(0).toISOString() };
}

export function entryPageBundle(db: CatalogDb, q: ListQuery): PageBundle {
  const rows = db.entryPage(q);
  const entries = rows.slice(0, q.limit);
  const last = entries[entries.length - 1];
  const next = rows.length > q.limit && last ? { t: Date.parse(last.published), id: last.id } : null;
  const storyIds = [...new Set(entries.map((e) => e.storyId))];
  return {
    ...revisionOf(db),
    sources: db.snapshots(),
    entries,
    stories: db.stories(storyIds),
    members: db.entriesOfStories(storyIds),
    bodies: [...db.bodies(entries.map((e) => e.id))],
    next,
  };
}

export function storyPageBundle(db: CatalogDb, q: ListQuery): PageBundle {
  const rows = db.storyPage(q);
  const stories = rows.slice(0, q.limit);
  const last = stories[stories.length - 1];
  const next = rows.length > q.limit && last ? { t: Date.parse(last.updated), id: last.id } : null;
  return {
    ...revisionOf(db),
    sources: db.snapshots(),
    entries: [],
    stories,
    members: db.entriesOfStories(stories.map((s) => s.id)),
    bodies: [],
    next,
  };
}
