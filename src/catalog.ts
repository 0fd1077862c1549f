/**
 * The catalog: every retained entry, as one in-memory list. Pure operations
 * on it live here: folding a fetch's entries in (new, updated or unchanged),
 * retention, and deriving the story table. Stories are derived, never stored:
 * each entry carries its `storyId`, so the table is one pass over the catalog.
 */
import type { Entry, Story } from './model';
import type { NormalizedEntry } from './normalize/index';
import type { SourceSnapshot, StoredEntry } from './store';

export interface MergeResult {
  /** Entries seen for the first time, in feed order. */
  added: NormalizedEntry[];
  /** Entries whose visible content changed; they keep id, firstSeen, story and duplicate links. */
  updated: NormalizedEntry[];
}

/**
 * Fold freshly normalized entries into the catalog (mutates `byId`). An entry
 * is the same entry when it has the same id (source + guid/URL/title+date); it
 * is updated only when its content hash changed. The date is left out of that
 * hash (FreshRSS does the same) because feeds without dates get a synthetic one.
 */
export function mergeEntries(byId: Map<string, StoredEntry>, incoming: NormalizedEntry[], now: Date): MergeResult {
  const added: NormalizedEntry[] = [];
  const updated: NormalizedEntry[] = [];
  for (const e of incoming) {
    const old = byId.get(e.id);
    if (!old) {
      added.push(e);
      continue;
    }
    if (old.contentHash === e.contentHash) continue;
    // Keep what identifies the entry and what earlier runs decided about it.
    e.firstSeen = old.firstSeen;
    e.storyId = old.storyId;
    e.dupOf = old.dupOf;
    if (e.dateInferred && !old.dateInferred) {
      e.published = old.published;
      e.dateInferred = null;
      e.dateOriginal = old.dateOriginal;
    } else if (e.dateInferred) {
      e.published = old.published;
    }
    if (!e.updated) e.updated = now.toISOString();
    updated.push(e);
  }
  return { added, updated };
}

export interface RetentionResult {
  kept: StoredEntry[];
  expired: StoredEntry[];
}

/**
 * Keep entries first seen within `days`, and at most `maxEntries` of them (newest first-seen
 * first). Age counts from first-seen, not from the published date, so a newly added source's
 * older items are kept. When a primary goes, its oldest surviving copy is promoted.
 */
export function applyRetention(entries: StoredEntry[], now: Date, days: number, maxEntries: number): RetentionResult {
  const cutoff = now.getTime() - days * 86_400_000;
  const sorted = [...entries].sort((a, b) => (a.firstSeen < b.firstSeen ? 1 : a.firstSeen > b.firstSeen ? -1 : a.id < b.id ? -1 : 1));
  const kept: StoredEntry[] = [];
  const expired: StoredEntry[] = [];
  for (const e of sorted) {
    if (Date.parse(e.firstSeen) >= cutoff && kept.length < maxEntries) kept.push(e);
    else expired.push(e);
  }
  if (expired.length) {
    const alive = new Set(kept.map((e) => e.id));
    const orphansByPrimary = new Map<string, StoredEntry[]>();
    for (const e of kept) {
      if (e.dupOf && !alive.has(e.dupOf)) {
        const list = orphansByPrimary.get(e.dupOf) ?? [];
        list.push(e);
        orphansByPrimary.set(e.dupOf, list);
      }
    }
    for (const list of orphansByPrimary.values()) {
      list.sort((a, b) => (a.published < b.published ? -1 : a.published > b.published ? 1 : a.id < b.id ? -1 : 1));
      const [head, ...rest] = list;
      head.dupOf = null;
      for (const r of rest) r.dupOf = head.id;
    }
  }
  return { kept, expired };
}

/**
 * Newest first by published date, ties by id: the order of every entry list. Stored dates are
 * all `Date.prototype.toISOString()` output (fixed width, UTC), so they compare as strings,
 * which keeps sorting the whole catalog cheap.
 */
export function compareEntries(a: Pick<Entry, 'published' | 'id'>, b: Pick<Entry, 'published' | 'id'>): number {
  if (a.published !== b.published) return a.published < b.published ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The story table, derived from the entries' storyIds. Stories are ordered newest update first. */
export function buildStories(entries: StoredEntry[]): Map<string, Story> {
  const stories = new Map<string, Story>();
  const members = new Map<string, StoredEntry[]>();
  for (const e of entries) {
    if (e.dupOf) continue;
    const list = members.get(e.storyId) ?? [];
    list.push(e);
    members.set(e.storyId, list);
  }
  for (const [id, list] of members) {
    list.sort(compareEntries);
    const first = list.reduce((m, e) => (e.published < m.published ? e : m), list[0]);
    stories.set(id, {
      id,
      title: storyTitle(list, first),
      size: list.length,
      sourceIds: [...new Set(list.map((e) => e.sourceId))].sort(),
      first: first.published,
      updated: list[0].published,
      entryIds: list.map((e) => e.id),
    });
  }
  return stories;
}

/**
 * A story's headline: the member title that shares the most words with the
 * others (the most central one), ties to the earliest. For one or two members
 * that is simply the earliest title.
 */
function storyTitle(list: StoredEntry[], first: StoredEntry): string {
  if (list.length <= 2) return first.title;
  const sample = list.length > 60 ? list.slice(0, 60) : list;
  const words = sample.map((e) => new Set(e.title.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []));
  const df = new Map<string, number>();
  for (const ws of words) for (const w of ws) df.set(w, (df.get(w) ?? 0) + 1);
  let best = first;
  let bestScore = -1;
  sample.forEach((e, i) => {
    const ws = words[i];
    if (!ws.size) return;
    let s = 0;
    for (const w of ws) s += (df.get(w) ?? 1) - 1;
    const score = s / Math.sqrt(ws.size);
    if (score > bestScore || (score === bestScore && e.published < best.published)) {
      best = e;
      bestScore = score;
    }
  });
  return best.title;
}

/** Source metadata to keep beside the entries (removed sources keep rendering until their entries expire). */
export function snapshotSources(
  previous: Record<string, SourceSnapshot>,
  current: SourceSnapshot[],
  entries: StoredEntry[],
): Record<string, SourceSnapshot> {
  const used = new Set(entries.map((e) => e.sourceId));
  const out: Record<string, SourceSnapshot> = {};
  for (const s of current) out[s.id] = s;
  for (const [id, s] of Object.entries(previous)) if (!out[id] && used.has(id)) out[id] = s;
  return out;
}
