/**
 * Pure rules about the catalog's records, used by the writer (commit.ts):
 * when an incoming entry is an update of a stored one, what a story looks
 * like given its members, and who becomes the primary when a primary goes.
 */
import type { Entry, Story, StoredEntry } from './model';
import { coverageOf, rankKey } from './rank';

/**
 * Fold a freshly normalized entry into the stored one with the same identity. Returns the
 * updated entry, or null when nothing a reader sees changed (its content hash is the same; the
 * date is left out of that hash, as FreshRSS does, because feeds without dates get a synthetic
 * one). An update keeps what identifies the entry and what earlier runs decided about it.
 */
export function mergeEntry<T extends Entry>(old: StoredEntry, e: T, now: Date): T | null {
  if (old.contentHash === e.contentHash) return null;
  e.id = old.id;
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
  return e;
}

/**
 * Newest first by published date, ties by id: the order of every entry list. Stored dates are
 * all `Date.prototype.toISOString()` output (fixed width, UTC), so they compare as strings.
 */
export function compareEntries(a: Pick<Entry, 'published' | 'id'>, b: Pick<Entry, 'published' | 'id'>): number {
  if (a.published !== b.published) return a.published < b.published ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * A story's record from its primary members (any order); null when it has none left. `grownAt`
 * is carried over from the stored row, or set by the writer when the story gains a member.
 */
export function storyOf(id: string, primaries: StoredEntry[], grownAt: string | null = null): Story | null {
  if (!primaries.length) return null;
  const list = [...primaries].sort(compareEntries);
  const first = list.reduce((m, e) => (e.published < m.published ? e : m), list[0]);
  const lead = leadOf(list, first);
  const updated = list[0].published;
  const { outlets, momentum } = coverageOf(list, updated);
  return {
    id,
    title: lead.title,
    size: list.length,
    sourceIds: [...new Set(list.map((e) => e.sourceId))].sort(),
    first: first.published,
    updated,
    entryIds: list.map((e) => e.id),
    leadId: lead.id,
    outlets,
    momentum,
    rank: rankKey(updated, outlets, momentum),
    seen: list.reduce((m, e) => (e.firstSeen > m ? e.firstSeen : m), list[0].firstSeen),
    grownAt,
  };
}

/**
 * The lead article: the member whose headline shares the most words with the others (the most
 * central report), ties to the earliest. For one or two members that is simply the earliest (the
 * original report). The story's headline, summary, image and link are all this one article's
 * (render/stories.ts storyLead), so a card or a feed item never pairs one article's headline
 * with another's summary or picture; when the lead has no image, the story shows none.
 */
function leadOf(list: StoredEntry[], first: StoredEntry): StoredEntry {
  if (list.length <= 2) return first;
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
  return best;
}

/**
 * When a primary is removed, its earliest surviving copy becomes the primary and the other
 * copies point at it. Returns the new primary's id and the ids to repoint, or null without copies.
 */
export function promoteCopy(copies: StoredEntry[]): { primary: string; others: string[] } | null {
  if (!copies.length) return null;
  const sorted = [...copies].sort((a, b) => (a.published < b.published ? -1 : a.published > b.published ? 1 : a.id < b.id ? -1 : 1));
  return { primary: sorted[0].id, others: sorted.slice(1).map((e) => e.id) };
}
