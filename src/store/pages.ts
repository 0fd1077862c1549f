/**
 * One page of a list view, read from the catalog with indexed queries: the
 * page itself plus exactly what rendering it needs (the stories its entries
 * belong to, their other members and copies, the HTML of the page's entries,
 * the sources). Its size follows the page, never the catalog. The same
 * bundles feed the pre-rendered default views (object.ts) and filtered
 * requests (serve.ts, over RPC), so both render from one shape.
 */
import type { Cursor, ListQuery } from '../query';
import { RANKING } from '../config';
import type { EntryBodies, SourceSnapshot, Story, StoredEntry } from '../model';
import { horizonStart } from '../rank';
import type { CatalogDb, TopTier } from './db';

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
  /** HTML of the page's entries; on story pages, the summary HTML of each story's lead article. */
  bodies: Array<[string, EntryBodies]>;
  next: Cursor | null;
  /**
   * Story pages: the time the page was ranked at (the revision's, or the first page's when paging
   * on) and which of its stories are in the top tier of sort=top (rank.ts). Empty for sort=latest.
   */
  rankedAt?: string;
  topIds?: string[];
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
  const revision = revisionOf(db);
  const ref = q.cursor?.top?.ref ?? Date.parse(revision.updatedAt);
  const { stories, top, next } = q.sort === 'top' ? topPage(db, q, ref) : latestPage(db, q);
  return {
    ...revision,
    sources: db.snapshots(),
    entries: [],
    stories,
    members: db.entriesOfStories(stories.map((s) => s.id)),
    bodies: [...db.summaries(stories.map((s) => s.leadId))],
    next,
    rankedAt: new Date(ref).toISOString(),
    topIds: [...top],
  };
}

interface StoryRows {
  stories: Story[];
  top: Set<string>;
  next: Cursor | null;
}

function latestPage(db: CatalogDb, q: ListQuery): StoryRows {
  const rows = db.storyPage(q);
  const stories = rows.slice(0, q.limit);
  const last = stories[stories.length - 1];
  return { stories, top: new Set(), next: rows.length > q.limit && last ? { t: Date.parse(last.updated), id: last.id } : null };
}

/**
 * sort=top (rank.ts): the top tier by rank, then, once it runs out, every other story newest
 * first. `limit + 1` rows are read in all, so the caller knows whether a next page exists; the
 * cursor says which tier it stopped in.
 */
function topPage(db: CatalogDb, q: ListQuery, ref: number): StoryRows {
  const tier: TopTier = { minOutlets: RANKING.minOutlets, seenSince: horizonStart(ref) };
  const c = q.cursor;
  const first = !c || c.top?.tier === 1 ? db.topStoryPage(q, tier, c ? { t: c.t, id: c.id } : null, q.limit + 1) : [];
  const rest = first.length > q.limit ? [] : db.storyPage(q, c?.top?.tier === 2 ? { t: c.t, id: c.id } : null, q.limit + 1 - first.length, tier);
  const rows = [...first, ...rest];
  const stories = rows.slice(0, q.limit);
  const top = new Set(first.slice(0, q.limit).map((s) => s.id));
  const last = stories[stories.length - 1];
  let next: Cursor | null = null;
  if (rows.length > q.limit && last) {
    next = top.has(last.id)
      ? { t: last.rank, id: last.id, top: { ref, tier: 1 } }
      : { t: Date.parse(last.updated), id: last.id, top: { ref, tier: 2 } };
  }
  return { stories, top, next };
}
