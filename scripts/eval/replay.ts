/**
 * Replays evaluation feeds through Marquee's own parse, normalize, dedupe and
 * grouping code in process, the way a refresh run does, and returns each
 * entry's story and duplicate link. Used by the offline harness.
 */
import { normalizeFeed, type NormalizedEntry } from '../../src/normalize/index';
import { parseFeedText } from '../../src/parse/index';
import { placeBatch } from '../../src/placement';
import { MemoryGroupingState } from '../../src/grouping-state';

export interface Placed {
  entry: NormalizedEntry;
  storyId: string;
  dupOf: string | null;
}

/** Parse and normalize feed documents (feed id -> XML) as of `now`. */
export function normalizeAll(feeds: Map<string, string>, now: Date): NormalizedEntry[] {
  const out: NormalizedEntry[] = [];
  for (const [id, xml] of feeds) {
    const { feed } = parseFeedText(xml);
    const source = { id, url: `http://127.0.0.1/${id}.xml`, title: id, home_page_url: null, category: null };
    out.push(...normalizeFeed(feed, { source, feedUrl: source.url, now }));
  }
  return out;
}

/**
 * Place entries as refresh runs would: in batches (all at once by default, as the first
 * run over a new set of sources does; or one batch per `batchHours` of publication time),
 * each batch oldest first, with one state for the whole replay.
 */
export function replay(entries: NormalizedEntry[], opts: { windowHours?: number; batchHours?: number } = {}): Placed[] {
  const state = new MemoryGroupingState();
  const sorted = [...entries].sort((a, b) => (a.published < b.published ? -1 : a.published > b.published ? 1 : a.id < b.id ? -1 : 1));
  const batches: NormalizedEntry[][] = [];
  if (!opts.batchHours) batches.push(sorted);
  else {
    const span = opts.batchHours * 3_600_000;
    let cur: NormalizedEntry[] = [];
    let start = 0;
    for (const e of sorted) {
      const t = Date.parse(e.published);
      if (cur.length && t - start >= span) {
        batches.push(cur);
        cur = [];
      }
      if (!cur.length) start = t;
      cur.push(e);
    }
    if (cur.length) batches.push(cur);
  }
  const storyOf = new Map<string, string>();
  const dupOf = new Map<string, string | null>();
  for (const batch of batches) {
    for (const p of placeBatch(state, batch, { windowHours: opts.windowHours ?? 72 }, (id) => storyOf.get(id))) {
      if (p.merged.length) {
        const gone = new Set(p.merged);
        for (const [id, s] of storyOf) if (gone.has(s)) storyOf.set(id, p.storyId);
      }
      storyOf.set(p.entry.id, p.storyId);
      dupOf.set(p.entry.id, p.dupOf);
    }
  }
  return sorted.map((entry) => ({ entry, storyId: storyOf.get(entry.id)!, dupOf: dupOf.get(entry.id) ?? null }));
}
