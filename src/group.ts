/**
 * Related-story grouping, online and incremental: each new primary entry
 * joins the story it fits best or starts a new one; the window is never
 * re-clustered (Miranda et al., EMNLP 2018, "Multilingual Clustering of
 * Streaming News", is the model: best cluster above a threshold, else new).
 *
 * An entry is a TF-IDF vector over its title (and, at lower weight, its
 * summary). A story is the sum of its members' vectors, trimmed to its
 * strongest terms. An entry joins the best story when all of these hold:
 *
 *   - cosine(entry, story centroid), damped by exp(-hours since the story's
 *     last article / decayHours), is at least `joinThreshold`: news about one
 *     event arrives in bursts, and a story that has gone quiet needs a closer
 *     match to be picked up again;
 *   - they share at least two distinct *concepts*: adjacent words that almost
 *     always occur together ("miley cyrus", "dressing room") count once, so a
 *     shared name alone cannot pull a different event about the same person
 *     into a story (the dev set's two Miley Cyrus stories are the test).
 *
 * After a join, the grown story absorbs any other live story whose centroid
 * it now resembles (cosine x decay >= `mergeThreshold`, again with two
 * shared concepts among their core terms). The older story's id survives,
 * so ids are stable: an entry keeps its story unless two stories merge.
 *
 * Term statistics (document frequencies, adjacent-pair counts) and story
 * centroids are the state kept between runs (groups:v1). Candidate stories
 * are found through an inverted index over centroid terms rebuilt at load,
 * so placing an entry costs time proportional to the stories sharing its
 * words, not to the window. Deterministic for the same input order.
 */
import { contentTokens, tokenId } from './features';
import { hash64 } from './hash';
import type { StoredEntry } from './model';

export interface GroupOptions {
  /** Stories idle longer than this are closed to new members. */
  windowHours: number;
  now: Date;
  joinThreshold?: number;
  mergeThreshold?: number;
  decayHours?: number;
  /** A shared term counts as evidence only if its weight is at least this share of the story's strongest term. */
  centrality?: number;
}

export const GROUP_DEFAULTS = {
  joinThreshold: 0.1,
  mergeThreshold: 0.1,
  decayHours: 12,
  centrality: 0.1,
  /** Terms kept per story centroid. */
  centroidTerms: 48,
  /** Weight of summary tokens relative to title tokens. */
  summaryWeight: 0.35,
  summaryTokens: 60,
  /** Adjacent words are one concept when they co-occur in at least this share of their documents. */
  collocation: 0.6,
  /** Tokens in more than this share of documents are not used to find candidates. */
  candidateDfShare: 0.2,
} as const;

interface StoryState {
  id: string;
  /** term id -> summed weight */
  c: Map<number, number>;
  /** squared length of `c`, kept up to date */
  q: number;
  /** member count */
  n: number;
  /** first and last member time (ms); the story with the earlier `f` is the older one */
  f: number;
  t: number;
}

/** Serialized form kept in groups:v1: numbers only, arrays for compactness. */
export interface GroupState {
  v: 2;
  /** documents counted in the statistics */
  docs: number;
  /** [term id, document frequency] */
  df: Array<[number, number]>;
  /** [adjacent pair id, documents containing the pair] */
  adj: Array<[number, number]>;
  /** id, members, first, last, [term id, weight x 1000] */
  stories: Array<[string, number, number, number, Array<[number, number]>]>;
}

export interface Placement {
  /** The entry's story (after any merge). */
  storyId: string;
  /** Stories that no longer exist because they merged into `storyId`; relabel their entries. */
  merged: string[];
}

export function storyIdFor(entryId: string): string {
  return `st_${hash64(entryId).slice(0, 14)}`;
}

interface Doc {
  /** term id -> tf-idf weight, unit length */
  vec: Map<number, number>;
  /** title token ids in order, for counting concepts */
  seq: number[];
  time: number;
}

const pairId = (a: number, b: number) => (Math.imul(a, 0x9e3779b1) ^ b) >>> 0;

export class StoryIndex {
  private readonly opts: Required<Omit<GroupOptions, 'now'>> & { now: Date };
  private docs = 0;
  private readonly df = new Map<number, number>();
  private readonly adj = new Map<number, number>();
  private readonly stories = new Map<string, StoryState>();
  private readonly postings = new Map<number, Set<string>>();

  constructor(entries: Iterable<StoredEntry>, state: GroupState | { v: number } | null, opts: GroupOptions) {
    this.opts = { joinThreshold: GROUP_DEFAULTS.joinThreshold, mergeThreshold: GROUP_DEFAULTS.mergeThreshold, decayHours: GROUP_DEFAULTS.decayHours, centrality: GROUP_DEFAULTS.centrality, ...opts };
    if (state && state.v === 2) this.load(state as GroupState);
    else this.rebuild(entries);
  }

  /** No usable state (first run, or an older layout): derive it from the stored entries, oldest first. */
  private rebuild(entries: Iterable<StoredEntry>) {
    const all = [...entries].sort((a, b) => Date.parse(a.published) - Date.parse(b.published) || (a.id < b.id ? -1 : 1));
    this.count(all);
    for (const e of all) {
      if (e.dupOf || !e.storyId) continue;
      const doc = this.doc(e);
      let s = this.stories.get(e.storyId);
      if (!s) this.stories.set(e.storyId, (s = { id: e.storyId, c: new Map(), q: 0, n: 0, f: doc.time, t: doc.time }));
      this.add(s, doc);
    }
  }

  private load(st: GroupState) {
    this.docs = st.docs;
    for (const [k, v] of st.df) this.df.set(k, v);
    for (const [k, v] of st.adj) this.adj.set(k, v);
    const horizon = this.opts.now.getTime() - this.opts.windowHours * 3_600_000;
    for (const [id, n, f, t, terms] of st.stories) {
      if (t < horizon) continue; // closed: it can no longer gain members
      const story: StoryState = { id, n, f, t, c: new Map(), q: 0 };
      for (const [k, w] of terms) {
        story.c.set(k, w / 1000);
        story.q += (w / 1000) ** 2;
        this.post(k, id);
      }
      this.stories.set(id, story);
    }
  }

  private post(term: number, storyId: string) {
    let set = this.postings.get(term);
    if (!set) this.postings.set(term, (set = new Set()));
    set.add(storyId);
  }

  private tokens(e: Pick<StoredEntry, 'title' | 'summaryText'>): { title: string[]; summary: string[] } {
    const title = contentTokens(e.title);
    // A summary that only repeats the title adds nothing.
    const summary = e.summaryText && e.summaryText !== e.title ? contentTokens(e.summaryText).slice(0, GROUP_DEFAULTS.summaryTokens) : [];
    return { title, summary };
  }

  private tally(entries: Array<Pick<StoredEntry, 'title' | 'summaryText'>>, sign: 1 | -1): void {
    for (const e of entries) {
      const { title, summary } = this.tokens(e);
      for (const id of new Set([...title, ...summary].map(tokenId))) {
        const n = (this.df.get(id) ?? 0) + sign;
        if (n > 0) this.df.set(id, n);
        else this.df.delete(id);
      }
      const ids = title.map(tokenId);
      const pairs = new Set<number>();
      for (let i = 1; i < ids.length; i++) pairs.add(pairId(ids[i - 1], ids[i]));
      for (const p of pairs) {
        const n = (this.adj.get(p) ?? 0) + sign;
        if (n > 0) this.adj.set(p, n);
        else this.adj.delete(p);
      }
      this.docs = Math.max(0, this.docs + sign);
    }
  }

  /**
   * Add a batch to the term statistics before any of it is placed, so the first article of a
   * burst is weighed with the same statistics as the rest of it.
   */
  count(entries: Array<Pick<StoredEntry, 'title' | 'summaryText'> & { published?: string }>): void {
    this.tally(entries, 1);
    let latest = 0;
    for (const e of entries) if (e.published) latest = Math.max(latest, Date.parse(e.published));
    if (latest) this.close(latest - this.opts.windowHours * 3_600_000);
  }

  /** Drop stories whose last article is older than `horizon`: they can no longer gain members. */
  private close(horizon: number) {
    for (const s of this.stories.values()) {
      if (s.t >= horizon) continue;
      for (const k of s.c.keys()) this.postings.get(k)?.delete(s.id);
      this.stories.delete(s.id);
    }
  }

  /** Remove entries that left the retention window from the statistics. */
  forget(entries: Array<Pick<StoredEntry, 'title' | 'summaryText'>>): void {
    this.tally(entries, -1);
  }

  private idf(term: number): number {
    return Math.log((this.docs + 1) / ((this.df.get(term) ?? 0) + 0.5));
  }

  private doc(e: Pick<StoredEntry, 'title' | 'summaryText' | 'published'>): Doc {
    const { title, summary } = this.tokens(e);
    const vec = new Map<number, number>();
    for (const t of new Set(title)) {
      const id = tokenId(t);
      vec.set(id, this.idf(id));
    }
    for (const t of new Set(summary)) {
      const id = tokenId(t);
      vec.set(id, (vec.get(id) ?? 0) + GROUP_DEFAULTS.summaryWeight * this.idf(id));
    }
    let norm = 0;
    for (const v of vec.values()) norm += v * v;
    norm = Math.sqrt(norm) || 1;
    for (const [k, v] of vec) vec.set(k, v / norm);
    return { vec, seq: title.map(tokenId), time: Date.parse(e.published) };
  }

  /** Adjacent tokens that co-occur in most of their documents are one concept (a name, a set phrase). */
  private glued(a: number, b: number): boolean {
    const n = this.adj.get(pairId(a, b)) ?? 0;
    return n >= 2 && n >= GROUP_DEFAULTS.collocation * Math.max(this.df.get(a) ?? 0, this.df.get(b) ?? 0);
  }

  /** Distinct concepts among the tokens of `seq` that `has` accepts; collocated neighbours count once. */
  private concepts(seq: number[], has: (t: number) => boolean): number {
    let n = 0;
    let prev = false;
    const seen = new Set<number>();
    for (let i = 0; i < seq.length; i++) {
      const t = seq[i];
      const hit = has(t) && !seen.has(t);
      if (hit) {
        if (!(prev && this.glued(seq[i - 1], t))) n++;
        seen.add(t);
      }
      prev = hit;
    }
    return n;
  }

  private decay(hours: number): number {
    return Math.exp(-Math.max(0, hours) / this.opts.decayHours);
  }

  /** Add weights to a story's centroid, keeping its squared length and the postings current. */
  private addWeights(s: StoryState, weights: Map<number, number>) {
    for (const [k, v] of weights) {
      const old = s.c.get(k);
      if (old === undefined) this.post(k, s.id);
      const w = (old ?? 0) + v;
      s.c.set(k, w);
      s.q += w * w - (old ?? 0) ** 2;
    }
  }

  private add(s: StoryState, doc: Doc) {
    this.addWeights(s, doc.vec);
    s.n++;
    s.t = Math.max(s.t, doc.time);
    s.f = Math.min(s.f, doc.time);
    this.trim(s);
  }

  /** Keep a story's strongest terms only, so its state and its postings stay bounded. */
  private trim(s: StoryState) {
    if (s.c.size > GROUP_DEFAULTS.centroidTerms * 1.5) {
      const keep = new Set([...s.c].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, GROUP_DEFAULTS.centroidTerms).map(([k]) => k));
      for (const [k, w] of [...s.c]) {
        if (keep.has(k)) continue;
        s.c.delete(k);
        s.q -= w * w;
        this.postings.get(k)?.delete(s.id);
      }
    }
  }

  private candidates(terms: Iterable<number>, time: number): StoryState[] {
    const cap = Math.max(20, GROUP_DEFAULTS.candidateDfShare * this.docs);
    const horizon = time - this.opts.windowHours * 3_600_000;
    const ids = new Set<string>();
    for (const t of terms) {
      if ((this.df.get(t) ?? 0) > cap) continue;
      for (const id of this.postings.get(t) ?? []) ids.add(id);
    }
    const out: StoryState[] = [];
    // Sets keep insertion order, so this order (and the result) depends only on the input order.
    for (const id of ids) {
      const s = this.stories.get(id);
      if (s && s.t >= horizon) out.push(s);
    }
    return out;
  }

  /** Place one new primary entry (call `count` for its batch first). */
  place(e: Pick<StoredEntry, 'id' | 'title' | 'summaryText' | 'published'>): Placement {
    const doc = this.doc(e);
    const docConcepts = this.concepts(doc.seq, () => true);
    let best: StoryState | null = null;
    let bestScore = 0;
    // Stories the new member is at least half-way close to: the only ones a merge can bring in.
    const near: StoryState[] = [];
    for (const s of this.candidates(doc.vec.keys(), doc.time)) {
      let dot = 0;
      for (const [k, v] of doc.vec) dot += v * (s.c.get(k) ?? 0);
      const cos = dot / (Math.sqrt(s.q) || 1);
      const score = cos * this.decay((doc.time - s.t) / 3_600_000);
      if (score >= this.opts.joinThreshold / 2) near.push(s);
      if (score < this.opts.joinThreshold || score <= bestScore) continue;
      let top = 0;
      for (const v of s.c.values()) if (v > top) top = v;
      const central = top * this.opts.centrality;
      if (this.concepts(doc.seq, (t) => (s.c.get(t) ?? 0) >= central) < Math.min(2, docConcepts)) continue;
      best = s;
      bestScore = score;
    }
    if (!best) {
      const story: StoryState = { id: storyIdFor(e.id), c: new Map(), q: 0, n: 0, f: doc.time, t: doc.time };
      this.stories.set(story.id, story);
      this.add(story, doc);
      return { storyId: story.id, merged: [] };
    }
    this.add(best, doc);
    return this.absorb(best, near);
  }

  /**
   * Cosine of two centroids with their strongest shared concept left out (the term carrying
   * the most shared weight, with any word glued to it). Two stories about one person share
   * that person's name and little else; two halves of one story share much more.
   */
  private residualSimilarity(a: Map<number, number>, b: Map<number, number>): number {
    let topTerm = -1;
    let topW = 0;
    for (const [k, v] of a) {
      const w = v * (b.get(k) ?? 0);
      if (w > topW) {
        topW = w;
        topTerm = k;
      }
    }
    const skip = new Set<number>([topTerm]);
    for (const k of a.keys()) if (b.has(k) && (this.glued(topTerm, k) || this.glued(k, topTerm))) skip.add(k);
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (const [k, v] of a) {
      if (skip.has(k)) continue;
      na += v * v;
      dot += v * (b.get(k) ?? 0);
    }
    for (const [k, v] of b) if (!skip.has(k)) nb += v * v;
    return dot / ((Math.sqrt(na) || 1) * (Math.sqrt(nb) || 1));
  }

  /** Merge `s` with every live story its centroid now resembles; the oldest id survives. */
  private absorb(s: StoryState, near: StoryState[]): Placement {
    const group = [s];
    // Only stories the new member resembles can have come closer to `s` by its joining.
    for (const o of near) {
      if (o.id === s.id || !this.stories.has(o.id)) continue;
      const decay = this.decay(Math.abs(s.t - o.t) / 3_600_000);
      let dot = 0;
      const [small, large] = s.c.size <= o.c.size ? [s.c, o.c] : [o.c, s.c];
      for (const [k, v] of small) dot += v * (large.get(k) ?? 0);
      // Both the plain and the residual similarity must clear the threshold; the plain one is cheap.
      if ((dot / ((Math.sqrt(s.q) || 1) * (Math.sqrt(o.q) || 1))) * decay < this.opts.mergeThreshold) continue;
      if (this.residualSimilarity(s.c, o.c) * decay < this.opts.mergeThreshold) continue;
      group.push(o);
    }
    if (group.length === 1) return { storyId: s.id, merged: [] };
    const keep = group.reduce((a, b) => (a.f < b.f || (a.f === b.f && a.id < b.id) ? a : b));
    const merged: string[] = [];
    for (const x of group) {
      if (x === keep) continue;
      this.addWeights(keep, x.c);
      keep.n += x.n;
      keep.t = Math.max(keep.t, x.t);
      keep.f = Math.min(keep.f, x.f);
      for (const k of x.c.keys()) this.postings.get(k)?.delete(x.id);
      this.stories.delete(x.id);
      merged.push(x.id);
    }
    this.trim(keep);
    return { storyId: keep.id, merged };
  }

  /** The state to keep between runs; stories closed by the window are dropped. */
  state(): GroupState {
    const horizon = this.opts.now.getTime() - this.opts.windowHours * 3_600_000;
    const stories: GroupState['stories'] = [];
    for (const s of [...this.stories.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      if (s.t < horizon) continue;
      stories.push([s.id, s.n, s.f, s.t, [...s.c].map(([k, w]) => [k, Math.round(w * 1000)] as [number, number])]);
    }
    return { v: 2, docs: this.docs, df: [...this.df], adj: [...this.adj], stories };
  }

  /** Stories currently open to new members. */
  get size(): number {
    return this.stories.size;
  }
}
