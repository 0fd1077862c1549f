/**
 * Every piece of state that duplicate detection (dedupe.ts) and story
 * grouping (group.ts) keep between runs, behind two small synchronous
 * repositories, and their in-memory implementation.
 *
 * The interfaces are shaped for a SQLite store (a Durable Object's storage is
 * synchronous): every method is keyed by the batch's own terms, ids or keys,
 * or bounded by the open story window, and none returns data whose size grows
 * with the number of stored entries or terms. Counters change by +1/-1 per
 * document, so a run that adds 25 entries does 25 entries' worth of work
 * whether 2,500 or 200,000 are stored. Keys are 32-bit unsigned integers
 * (hashed terms), ids are strings, times are epoch milliseconds.
 *
 * `MemoryGroupingState` implements both with Maps. It serves the unit tests,
 * the benchmark and the offline evaluation; the catalog object keeps the same
 * state in SQLite (store/grouping-sql.ts).
 */

/** One open story as grouping keeps it. */
export interface StoryRecord {
  id: string;
  /** primary members */
  n: number;
  /** earliest and latest member publication time (ms); the story with the earlier `first` is the older one */
  first: number;
  last: number;
  /** distinct source ids of its members, at most STORY_SOURCES_KEPT */
  sources: string[];
  /** the years its members' headlines name, at most STORY_YEARS_KEPT */
  years: number[];
  /** centroid: [term, summed member weight], strongest terms only (at most STORY_TERMS_KEPT) */
  terms: Array<[number, number]>;
}

export const STORY_SOURCES_KEPT = 8;
export const STORY_YEARS_KEPT = 4;
export const STORY_TERMS_KEPT = 48;

export interface GroupRepo {
  /** Documents counted in the term statistics. */
  docCount(): number;
  /** Document frequency of each key (0 when unseen), in the order given. Cost: keys.length lookups. */
  docFreq(keys: readonly number[]): number[];
  /** Add `delta` to the document frequency of each key (distinct keys of one document) and to docCount. */
  countDoc(keys: readonly number[], delta: 1 | -1): void;
  /** Documents counted for one source. */
  sourceDocCount(sourceId: string): number;
  /** Per-source document frequency of each key (terms and segment keys), in the order given. */
  sourceFreq(sourceId: string, keys: readonly number[]): number[];
  /** Add `delta` to the source's document count and to the per-source frequency of each key. */
  countSourceDoc(sourceId: string, keys: readonly number[], delta: 1 | -1): void;
  /**
   * Open stories (last >= since) whose centroid holds at least `minHits` of `terms`: those
   * holding the most of them first, then the most recently active, then by id; at most
   * `limit`. SQLite: an index on story_terms(term, last); SELECT story_id, COUNT(*) AS hits
   * ... WHERE term IN (...) AND last >= ? GROUP BY story_id HAVING hits >= ? ORDER BY hits
   * DESC, last DESC, story_id LIMIT ?.
   */
  storiesWithTerms(terms: readonly number[], since: number, limit: number, minHits: number): StoryRecord[];
  /**
   * Insert or replace a story (its centroid terms replace the old ones). Records handed in and
   * out are not mutated afterwards: an implementation may keep or return them as they are.
   */
  putStory(s: StoryRecord): void;
  deleteStory(id: string): void;
  /** Forget stories whose last member is older than `before`: they can no longer gain members. */
  closeStories(before: number): void;
}

/** What duplicate detection remembers of one entry. */
export interface DupRecord {
  id: string;
  sourceId: string;
  /** the publisher and its registrable domain, from the entry's URL (dedupe.ts `urlParts`) */
  outlet: string;
  host: string;
  /** id of the URL's last path segment when it is a long word slug, else null */
  slug: number | null;
  /** the primary it belongs to: its own id, or the id it is a copy of */
  primary: string;
  time: number;
  /** URL match key (host + path + query), or null */
  urlKey: string | null;
  /** content-word ids of the headline */
  title: number[];
  /** the headline's numbers, sorted, space-separated: a re-publication keeps them all */
  titleNumbers: string;
  /** the numbers of headline + summary, distinct: a copy has no number the original lacks, and vice versa */
  numbers: string[];
  /** lowercase word ids of headline + summary, at most 80 */
  seq: number[];
  /** word count of the summary alone */
  summaryWords: number;
  /** encoded text fingerprint (dedupe.ts), or null when the text is too short */
  fp: [string, number, string, number] | null;
}

export interface DedupeRepo {
  /** The earliest recorded entry with this URL key, or null. */
  byUrlKey(key: string): DupRecord | null;
  get(id: string): DupRecord | null;
  /**
   * Entries posted under each key, as [key index, record] pairs, for the keys posted at most
   * `maxPerKey` times (a key shared by more entries is too common to find copies with, and is
   * skipped whole). Bound: keys.length x maxPerKey. Order: by key, then by insertion. SQLite:
   * per key, SELECT ... LIMIT maxPerKey + 1 and drop the key when the limit is reached (or keep
   * a count per key); a key once past the cap may stop being posted.
   */
  withKeys(keys: readonly number[], maxPerKey: number): Array<[number, DupRecord]>;
  /** Record an entry under its candidate keys (headline words, LSH bands, URL slug). */
  put(r: DupRecord, keys: readonly number[]): void;
  /** Forget an entry (retention); its postings go with it. */
  remove(id: string): void;
}

function bump(m: Map<number, number>, k: number, d: number) {
  const n = (m.get(k) ?? 0) + d;
  if (n > 0) m.set(k, n);
  else m.delete(k);
}

interface SourceStats {
  docs: number;
  freq: Map<number, number>;
}

export class MemoryGroupingState implements GroupRepo, DedupeRepo {
  private docs = 0;
  private readonly df = new Map<number, number>();
  private readonly src = new Map<string, SourceStats>();
  private readonly stories = new Map<string, StoryRecord>();
  /** term -> ids of stories whose centroid holds it */
  private readonly storyPostings = new Map<number, Set<string>>();
  private readonly records = new Map<string, DupRecord>();
  private readonly keysOf = new Map<string, readonly number[]>();
  private readonly byUrl = new Map<string, string>();
  private readonly postings = new Map<number, Set<string>>();

  // ---- GroupRepo --------------------------------------------------------------

  docCount(): number {
    return this.docs;
  }

  docFreq(keys: readonly number[]): number[] {
    return keys.map((k) => this.df.get(k) ?? 0);
  }

  countDoc(keys: readonly number[], delta: 1 | -1): void {
    for (const k of keys) bump(this.df, k, delta);
    this.docs = Math.max(0, this.docs + delta);
  }

  sourceDocCount(sourceId: string): number {
    return this.src.get(sourceId)?.docs ?? 0;
  }

  sourceFreq(sourceId: string, keys: readonly number[]): number[] {
    const s = this.src.get(sourceId);
    return keys.map((k) => s?.freq.get(k) ?? 0);
  }

  countSourceDoc(sourceId: string, keys: readonly number[], delta: 1 | -1): void {
    let s = this.src.get(sourceId);
    if (!s) this.src.set(sourceId, (s = { docs: 0, freq: new Map() }));
    for (const k of keys) bump(s.freq, k, delta);
    s.docs = Math.max(0, s.docs + delta);
    if (!s.docs && !s.freq.size) this.src.delete(sourceId);
  }

  storiesWithTerms(terms: readonly number[], since: number, limit: number, minHits: number): StoryRecord[] {
    const hits = new Map<string, number>();
    for (const t of new Set(terms)) for (const id of this.storyPostings.get(t) ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
    const out: Array<[StoryRecord, number]> = [];
    for (const [id, n] of hits) {
      if (n < minHits) continue;
      const s = this.stories.get(id)!;
      if (s.last >= since) out.push([s, n]);
    }
    out.sort(([a, x], [b, y]) => y - x || b.last - a.last || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out.slice(0, limit).map(([s]) => s);
  }

  putStory(s: StoryRecord): void {
    // Callers hand over the record (placement builds a new one for every change), so it is
    // kept as given; only terms that left or joined the centroid touch the postings.
    const old = this.stories.get(s.id);
    if (old) {
      const now = new Set<number>();
      for (const [t] of s.terms) now.add(t);
      for (const [t] of old.terms) {
        if (now.has(t)) continue;
        const set = this.storyPostings.get(t)!;
        set.delete(s.id);
        if (!set.size) this.storyPostings.delete(t);
      }
    }
    this.stories.set(s.id, s);
    for (const [t] of s.terms) {
      let set = this.storyPostings.get(t);
      if (!set) this.storyPostings.set(t, (set = new Set()));
      set.add(s.id);
    }
  }

  deleteStory(id: string): void {
    this.unpostStory(id);
    this.stories.delete(id);
  }

  closeStories(before: number): void {
    for (const s of [...this.stories.values()]) if (s.last < before) this.deleteStory(s.id);
  }

  private unpostStory(id: string) {
    const old = this.stories.get(id);
    if (!old) return;
    for (const [t] of old.terms) {
      const set = this.storyPostings.get(t);
      set?.delete(id);
      if (set && !set.size) this.storyPostings.delete(t);
    }
  }

  /** Open stories held (for the benchmark's report). */
  get openStories(): number {
    return this.stories.size;
  }

  // ---- DedupeRepo -------------------------------------------------------------

  byUrlKey(key: string): DupRecord | null {
    const id = this.byUrl.get(key);
    return id ? this.records.get(id) ?? null : null;
  }

  get(id: string): DupRecord | null {
    return this.records.get(id) ?? null;
  }

  withKeys(keys: readonly number[], maxPerKey: number): Array<[number, DupRecord]> {
    const out: Array<[number, DupRecord]> = [];
    keys.forEach((k, i) => {
      const set = this.postings.get(k);
      if (!set || set.size > maxPerKey) return;
      for (const id of set) out.push([i, this.records.get(id)!]);
    });
    return out;
  }

  put(r: DupRecord, keys: readonly number[]): void {
    this.remove(r.id);
    this.records.set(r.id, r);
    this.keysOf.set(r.id, keys);
    if (r.urlKey && !this.byUrl.has(r.urlKey)) this.byUrl.set(r.urlKey, r.id);
    for (const k of keys) {
      let set = this.postings.get(k);
      if (!set) this.postings.set(k, (set = new Set()));
      set.add(r.id);
    }
  }

  remove(id: string): void {
    const r = this.records.get(id);
    if (!r) return;
    for (const k of this.keysOf.get(id) ?? []) {
      const set = this.postings.get(k);
      set?.delete(id);
      if (set && !set.size) this.postings.delete(k);
    }
    if (r.urlKey && this.byUrl.get(r.urlKey) === id) this.byUrl.delete(r.urlKey);
    this.records.delete(id);
    this.keysOf.delete(id);
  }
}
