/**
 * One batch of new entries through duplicate detection, then story grouping,
 * the way every run does it; pure apart from the repositories it is given.
 * commit.ts calls it, and so do the benchmark and the offline evaluation, so
 * all three place entries the same way:
 *
 *   1. count the whole batch into the term statistics (StoryIndex.count);
 *   2. oldest first (then by id): a copy of an earlier article takes its
 *      primary's story; any other entry is placed in a story;
 *   3. every entry is recorded for later duplicate matches.
 *
 * Entries leaving retention go out through `forgetEntries`. Each placement
 * says why the entry joined (a duplicate rule or the story match), for
 * `Entry.joinReason`. `rebuildState` re-makes the state from a catalog's
 * entries (the import of a v1 catalog).
 */
import { DuplicateIndex } from './dedupe';
import { StoryIndex, type GroupOptions } from './group';
import type { DedupeRepo, DupRecord, GroupRepo } from './grouping-state';
import type { JoinReason } from './model';

export interface Placeable {
  id: string;
  sourceId: string;
  url: string | null;
  title: string;
  summaryText: string;
  published: string;
  /** summary + content as plain text, for the text fingerprint (never stored) */
  fullText?: string;
}

export interface PlacedEntry<E extends Placeable = Placeable> {
  entry: E;
  storyId: string;
  /** The primary this entry copies, or null. */
  dupOf: string | null;
  /** Stories merged into `storyId` by this placement: relabel their entries. */
  merged: string[];
  reason: JoinReason | null;
}

/** Publication order, then id: the order every run places a batch in. */
export function placementOrder(a: Placeable, b: Placeable): number {
  return a.published < b.published ? -1 : a.published > b.published ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Place a batch. `storyOf` gives the story of an entry placed in an earlier batch (a
 * duplicate's primary); entries of this batch are looked up here.
 */
export function placeBatch<E extends Placeable>(
  repo: GroupRepo & DedupeRepo,
  batch: E[],
  opts: GroupOptions,
  storyOf: (entryId: string) => string | undefined = () => undefined,
): Array<PlacedEntry<E>> {
  const dupes = new DuplicateIndex(repo);
  const stories = new StoryIndex(repo, opts);
  const ordered = [...batch].sort(placementOrder);
  stories.count(ordered);
  const placedStory = new Map<string, string>();
  const out: Array<PlacedEntry<E>> = [];
  for (const e of ordered) {
    const dup = dupes.match(e);
    const primaryStory = dup ? placedStory.get(dup.primaryId) ?? storyOf(dup.primaryId) : undefined;
    if (dup && primaryStory) {
      out.push({ entry: e, storyId: primaryStory, dupOf: dup.primaryId, merged: [], reason: { kind: 'duplicate', score: dup.score, rule: dup.rule } });
      placedStory.set(e.id, primaryStory);
      dupes.add({ ...e, dupOf: dup.primaryId });
      continue;
    }
    const p = stories.place(e);
    out.push({ entry: e, storyId: p.storyId, dupOf: null, merged: p.merged, reason: p.reason });
    placedStory.set(e.id, p.storyId);
    if (p.merged.length) for (const [id, s] of placedStory) if (p.merged.includes(s)) placedStory.set(id, p.storyId);
    dupes.add(e);
  }
  return out;
}

/** Take entries that left retention out of the statistics and the duplicate index. */
export function forgetEntries(repo: GroupRepo & DedupeRepo, expired: Array<Omit<Placeable, 'url'>>, opts: GroupOptions): void {
  new StoryIndex(repo, opts).forget(expired);
  new DuplicateIndex(repo).forget(expired.map((e) => e.id));
}

/** What the catalog holds of an entry that grouping state can be rebuilt from. */
export interface Retained extends Placeable {
  dupOf: string | null;
  storyId: string;
}

/**
 * Re-make grouping state from the entries a catalog keeps: term statistics counted oldest
 * first, each open story re-formed from the entries that carry its id, and the duplicate index
 * with the stored text fingerprints (`fps`, by entry id), so copies of these entries are still found.
 */
export function rebuildState(repo: GroupRepo & DedupeRepo, catalog: Iterable<Retained>, opts: GroupOptions, fps: Record<string, DupRecord['fp']>): void {
  const entries = [...catalog].sort(placementOrder);
  new StoryIndex(repo, opts).rebuild(entries);
  new DuplicateIndex(repo).rememberAll(entries, fps);
}
