/**
 * Related-story grouping, online and incremental: each new primary entry
 * joins the open story it matches best, or starts one; the window is never
 * re-clustered (Miranda et al., EMNLP 2018, "Multilingual Clustering of
 * Streaming News": best cluster above a threshold, else a new one).
 *
 * A story is about one event, so a join needs evidence that the entry
 * reports the *same* event, and precision comes first:
 *
 *   - An entry is a TF-IDF vector of the evidence terms of its headline and
 *     (at half weight) summary, plus their adjacent pairs ("elon musk"),
 *     unit length. Dates, years, small counts and stop words are not terms
 *     (features.ts `evidenceTerm`); words are cut to 6-letter prefixes so
 *     spellings meet. Document frequencies come from every entry counted in
 *     the window, so a word is weighed by how rare it is *now*.
 *   - Each source's boilerplate weighs nothing for that source, learned from
 *     its own items (per-source counts kept with the statistics): a segment
 *     (the text between delimiters such as ": ", " | ", "›", brackets; digits
 *     count as one) that the source repeats in k items weighs 1/k ("Album
 *     Review:", "| Letters", "View Entire Post ›", "The # Best Albums of #");
 *     a word in more than half of the source's items weighs nothing, one in
 *     under a fifth fully ("The post ... appeared first on", a byline, a site
 *     name, "Apple" at an Apple site).
 *   - The score is the cosine between the entry and the story's centroid
 *     (the sum of its members' vectors, 48 strongest terms), times
 *     exp(-hours apart / 48): news of one event arrives within a day or two.
 *   - It must reach `joinOther` (0.3) when the story has another outlet, and
 *     `joinSame` (0.5) when all its members come from the entry's own source:
 *     one outlet's items share its style, its series and its beat.
 *   - The evidence must be specific: at least one shared term is a name
 *     (running text capitalizes it mid-sentence; features.ts reads the case
 *     only where it means something), a number or a quoted word, outside the
 *     source's boilerplate. Common words are no evidence.
 *   - A shared name alone is a topic, not an event: with the strongest shared
 *     concept taken out (the words of a name, glued by a pair that nearly
 *     always occurs in the window, count as one), the score must keep half
 *     the bar.
 *   - Years are no evidence for a join, but headlines naming different years
 *     ("Spring 2024", "Spring 2025") report different events.
 *
 * Stories are never merged after the fact: an entry keeps its story, and the
 * story id (from its first entry) is stable. Deterministic for the same input
 * order. All state lives behind `GroupRepo` (grouping-state.ts).
 *
 * The surface: `count(batch)` before placing a batch (so the first article of
 * a burst is weighed with the same statistics as the rest), `place(entry)`
 * per primary entry, oldest first, and `forget(expired)` for entries that
 * leave retention.
 */
import { pairTerm, segmentsOf, yearsOf, type Segment } from './features';
import { hash64 } from './hash';
import { STORY_SOURCES_KEPT, STORY_TERMS_KEPT, STORY_YEARS_KEPT, type GroupRepo, type StoryRecord } from './grouping-state';
import type { JoinReason } from './model';

export interface GroupOptions {
  /** Stories idle longer than this are closed to new members. */
  windowHours: number;
}

export const GROUP_RULES = {
  /** Summary terms weigh this much of headline terms: the headline names the event. */
  summaryWeight: 0.5,
  /** Adjacent pairs weigh this much of a single term of the same rarity. */
  pairWeight: 0.5,
  /** Least score to join a story that has another outlet. */
  joinOther: 0.3,
  /** Least score to join a story whose members all come from the entry's own source. */
  joinSame: 0.5,
  /** The score is damped by exp(-hours between the entry and the story / decayHours). */
  decayHours: 48,
  /** Adjacent words are one name when their pair occurs in at least this share of either word's documents. */
  collocation: 0.6,
  /** With its strongest shared concept taken out, the score must still reach this share of the bar. */
  residualShare: 0.5,
  /** A word in under `lo` of a source's items weighs fully for it; in over `hi`, nothing. */
  boilerplateLo: 0.2,
  boilerplateHi: 0.5,
  /** Items a source is assumed to have without the word, so a young source learns no boilerplate. */
  sourcePrior: 5,
  /** Strongest entry terms used to find candidate stories, and most candidates looked at. */
  retrievalTerms: 12,
  candidateStories: 24,
  /**
   * Terms in more than this share of the window's documents (and more than retrievalMinDf), or
   * in more than retrievalMaxDf, find no candidates: they are common, and they would make an
   * entry's lookup cost grow with the window.
   */
  retrievalMaxShare: 0.05,
  retrievalMinDf: 10,
  retrievalMaxDf: 200,
} as const;

export interface Placement {
  /** The entry's story. */
  storyId: string;
  /** Stories that no longer exist because they merged into `storyId` (none today: stories do not merge). */
  merged: string[];
  /** Why it joined an existing story; null when it started one. */
  reason: JoinReason | null;
}

type Groupable = { id: string; sourceId: string; title: string; summaryText: string; published: string };

export function storyIdFor(entryId: string): string {
  return `st_${hash64(entryId).slice(0, 14)}`;
}

interface Doc {
  /** term -> weight before rarity: field weight x boilerplate factor */
  base: Map<number, number>;
  /** term -> document frequency in the window (this entry included) */
  df: Map<number, number>;
  /** documents in the window */
  n: number;
  /** unigram term -> the word as written, to explain a join */
  words: Map<number, string>;
  /** pair term -> its two unigram terms */
  pairs: Map<number, [number, number]>;
  /** years the headline names */
  years: number[];
  /** the pairs that are one name: two specific words that nearly always occur together in the window */
  glued: Map<number, [number, number]>;
  /** unigram terms that are specific: names (running text capitalizes them), numbers, or never seen in running text */
  specific: Set<number>;
  time: number;
}

/** An entry weighed against one story. */
interface Match {
  score: number;
  /** [term, contribution to the score] for the terms entry and story share */
  shared: Array<[number, number]>;
}

/** Keys of "this term was written in lowercase / capitalized mid-sentence" in the window statistics. */
const lowerKey = (t: number) => (Math.imul(t ^ 0x6c6f7765, 0x2c1b3c6d) ^ 0x1f) >>> 0;
const upperKey = (t: number) => (Math.imul(t ^ 0x75707065, 0x297a2d39) ^ 0x2f) >>> 0;

/**
 * The distinct keys one entry adds to the window statistics (terms, adjacent pairs, how
 * running text wrote each term) and to its source's (terms, segments).
 */
function keysOf(segs: Segment[]): { global: number[]; source: number[] } {
  const hit = keyMemo.get(segs);
  if (hit) return hit;
  const global = new Set<number>();
  const source = new Set<number>();
  for (const s of segs) {
    source.add(s.key);
    s.tokens.forEach((t, i) => {
      global.add(t.term);
      source.add(t.term);
      if (t.written) global.add(t.written === 'lower' ? lowerKey(t.term) : upperKey(t.term));
      if (i) global.add(pairTerm(s.tokens[i - 1].term, t.term));
    });
  }
  const keys = { global: [...global], source: [...source] };
  keyMemo.set(segs, keys);
  return keys;
}

// Segments are remembered per text (features.ts), so their keys can be too: count, place and forget share them.
const keyMemo = new WeakMap<Segment[], { global: number[]; source: number[] }>();

/**
 * The terms that can be evidence of one event: names (running text capitalizes them
 * mid-sentence at least three times in four; a word it never showed gets the benefit of the
 * doubt), numbers and quoted words, unless the source repeats them: a segment seen in two or
 * more of its items ("Album Review", "The # Best Albums of #"), a word in a fifth or more.
 */
function specificTerms(segs: Segment[], words: Map<number, string>, df: Map<number, number>, sf: Map<number, number>, wordFactor: (t: number) => number): Set<number> {
  const specific = new Set<number>();
  for (const t of words.keys()) {
    const lower = df.get(lowerKey(t)) ?? 0;
    const upper = df.get(upperKey(t)) ?? 0;
    if (lower * 4 <= lower + upper) specific.add(t);
  }
  for (const s of segs) for (const tok of s.tokens) if (tok.quoted || tok.num) specific.add(tok.term);
  for (const s of segs) if ((sf.get(s.key) ?? 0) >= 2) for (const tok of s.tokens) specific.delete(tok.term);
  for (const t of words.keys()) if (wordFactor(t) < 1) specific.delete(t);
  return specific;
}

/**
 * Each term's weight before rarity: its field's weight (headline 1, summary `summaryWeight`;
 * a term in both counts in both) times its boilerplate factor (a segment the source repeats
 * in k items weighs 1/k; see `wordFactor`); adjacent pairs at `pairWeight`. Pairs of two
 * specific words that nearly always occur together in the window are one name (`glued`).
 */
function weights(segs: Segment[], df: Map<number, number>, sf: Map<number, number>, wordFactor: (t: number) => number, specific: Set<number>) {
  const R = GROUP_RULES;
  const fields = new Map<Segment['field'], Map<number, number>>();
  const pairs = new Map<number, [number, number]>();
  const glued = new Map<number, [number, number]>();
  for (const s of segs) {
    const segFactor = 1 / Math.max(1, sf.get(s.key) ?? 0);
    const field = fields.get(s.field) ?? new Map<number, number>();
    fields.set(s.field, field);
    const put = (t: number, w: number) => {
      if (w > (field.get(t) ?? 0)) field.set(t, w);
    };
    let prev: { term: number; f: number; num: boolean } | null = null;
    for (const tok of s.tokens) {
      const f = Math.min(segFactor, wordFactor(tok.term));
      put(tok.term, f);
      if (prev) {
        const p = pairTerm(prev.term, tok.term);
        pairs.set(p, [prev.term, tok.term]);
        const dp = df.get(p) ?? 0;
        const name = specific.has(prev.term) && specific.has(tok.term) && !tok.num && !prev.num;
        if (name && dp >= 2 && dp >= R.collocation * Math.max(df.get(prev.term) ?? 0, df.get(tok.term) ?? 0)) glued.set(p, [prev.term, tok.term]);
        put(p, R.pairWeight * Math.min(f, prev.f));
      }
      prev = { term: tok.term, f, num: tok.num };
    }
  }
  const base = new Map<number, number>();
  for (const [name, field] of fields) {
    const fw = name === 'title' ? 1 : R.summaryWeight;
    for (const [t, w] of field) if (w > 0) base.set(t, (base.get(t) ?? 0) + fw * w);
  }
  return { base, pairs, glued };
}

const HOUR = 3_600_000;

export class StoryIndex {
  constructor(
    private readonly repo: GroupRepo,
    private readonly opts: GroupOptions,
  ) {}

  private tally(entries: Groupable[], delta: 1 | -1) {
    for (const e of entries) {
      const k = keysOf(segmentsOf(e.title, e.summaryText));
      this.repo.countDoc(k.global, delta);
      this.repo.countSourceDoc(e.sourceId, k.source, delta);
    }
  }

  /** Count a batch into the statistics before any of it is placed; close stories idle past the window. */
  count(entries: Groupable[]): void {
    this.tally(entries, 1);
    let latest = 0;
    for (const e of entries) latest = Math.max(latest, Date.parse(e.published) || 0);
    if (latest) this.repo.closeStories(latest - this.opts.windowHours * HOUR);
  }

  /**
   * Rebuild the statistics and open stories from retained entries (oldest first) that already
   * carry their story ids: for a state that was lost or kept in an older layout.
   */
  rebuild(entries: Array<Groupable & { storyId: string; dupOf: string | null }>): void {
    this.count(entries);
    const since = Math.max(0, ...entries.map((e) => Date.parse(e.published) || 0)) - this.opts.windowHours * HOUR;
    const open = new Map<string, StoryRecord>();
    for (const e of entries) {
      const time = Date.parse(e.published);
      if (e.dupOf || !e.storyId || time < since) continue;
      const s = open.get(e.storyId) ?? { id: e.storyId, n: 0, first: time, last: time, sources: [], years: [], terms: [] };
      const d = this.doc(e);
      open.set(e.storyId, this.grow(s, this.vector(d), d, e.sourceId));
    }
    for (const s of open.values()) this.repo.putStory(s);
  }

  /** Take entries that left retention out of the statistics. */
  forget(entries: Groupable[]): void {
    this.tally(entries, -1);
  }

  /** An entry's terms with their weights before rarity, and the window statistics to weigh them by. */
  private doc(e: Groupable): Doc {
    const segs = segmentsOf(e.title, e.summaryText);
    const { global, source } = keysOf(segs);
    const df = new Map<number, number>();
    this.repo.docFreq(global).forEach((v, i) => df.set(global[i], v));
    const sf = new Map<number, number>();
    this.repo.sourceFreq(e.sourceId, source).forEach((v, i) => sf.set(source[i], v));
    const sourceDocs = this.repo.sourceDocCount(e.sourceId);
    const R = GROUP_RULES;
    // A word in more than `boilerplateHi` of the source's items weighs nothing for it.
    const wordFactor = (t: number) => {
      const share = (sf.get(t) ?? 0) / (sourceDocs + R.sourcePrior);
      return Math.min(1, Math.max(0, (R.boilerplateHi - share) / (R.boilerplateHi - R.boilerplateLo)));
    };
    const words = new Map<number, string>();
    for (const s of segs) for (const tok of s.tokens) if (!words.has(tok.term)) words.set(tok.term, tok.word);
    const specific = specificTerms(segs, words, df, sf, wordFactor);
    const { base, pairs, glued } = weights(segs, df, sf, wordFactor, specific);
    return { base, df, n: this.repo.docCount(), words, pairs, glued, specific, years: yearsOf(e.title), time: Date.parse(e.published) };
  }

  /** The entry's unit TF-IDF vector. */
  private vector(doc: Doc): Map<number, number> {
    const vec = new Map<number, number>();
    let norm = 0;
    for (const [t, b] of doc.base) {
      const w = b * Math.log((doc.n + 1) / ((doc.df.get(t) ?? 0) + 0.5));
      vec.set(t, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [t, w] of vec) vec.set(t, w / norm);
    return vec;
  }

  /** The entry's score against story `s`: cosine with its centroid x time decay. */
  private match(doc: Doc, vec: Map<number, number>, s: StoryRecord): Match {
    const gap = Math.max(0, s.first - doc.time, doc.time - s.last) / HOUR;
    const decay = Math.exp(-gap / GROUP_RULES.decayHours);
    const shared: Array<[number, number]> = [];
    let q = 0;
    let dot = 0;
    for (const [t, h] of s.terms) {
      q += h * h;
      const w = vec.get(t);
      if (w === undefined) continue;
      shared.push([t, w * h]);
      dot += w * h;
    }
    const scale = decay / (Math.sqrt(q) || 1);
    for (const x of shared) x[1] *= scale;
    const score = dot * scale;
    return { score, shared };
  }

  /**
   * The score left when the strongest shared concept is taken out: the shared term that
   * contributes most, with the words glued to it as one name and their pairs. A name alone
   * ("tiger woods") is a topic; the rest of the match must say which event.
   */
  private residual(doc: Doc, m: Match): number {
    const contrib = new Map(m.shared);
    // Union the words of each shared name, and give each shared pair to its first word's group.
    const group = new Map<number, number>();
    const find = (t: number): number => {
      let r = t;
      while (group.has(r) && group.get(r) !== r) r = group.get(r)!;
      return r;
    };
    for (const [t] of m.shared) if (doc.words.has(t)) group.set(t, t);
    const pairOf = new Map<number, number>();
    for (const [t] of m.shared) {
      const p = doc.glued.get(t) ?? doc.pairs.get(t);
      if (!p) continue;
      pairOf.set(t, p[0]);
      if (doc.glued.has(t) && group.has(p[0]) && group.has(p[1])) group.set(find(p[1]), find(p[0]));
    }
    const mass = new Map<number, number>();
    for (const [t, x] of contrib) {
      const w = doc.words.has(t) ? t : pairOf.get(t);
      if (w === undefined || !group.has(w)) continue;
      const r = find(w);
      mass.set(r, (mass.get(r) ?? 0) + x);
    }
    let top = 0;
    for (const x of mass.values()) top = Math.max(top, x);
    return m.score - top;
  }

  /** Place one new primary entry (count its batch first). */
  place(e: Groupable): Placement {
    const R = GROUP_RULES;
    const doc = this.doc(e);
    const vec = this.vector(doc);
    // Candidates come through the entry's strongest terms that are not common in the window.
    const common = Math.min(R.retrievalMaxDf, Math.max(R.retrievalMinDf, R.retrievalMaxShare * doc.n));
    const retrieval = [...vec]
      .filter(([t]) => (doc.df.get(t) ?? 0) <= common)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, R.retrievalTerms)
      .map(([t]) => t);
    const since = doc.time - this.opts.windowHours * HOUR;
    let best: { s: StoryRecord; m: Match } | null = null;
    // A join needs two shared concepts (see `residual`), so a candidate shares two of these terms.
    for (const s of this.repo.storiesWithTerms(retrieval, since, R.candidateStories, 2)) {
      const m = this.match(doc, vec, s);
      const own = s.sources.length === 1 && s.sources[0] === e.sourceId;
      const bar = own ? R.joinSame : R.joinOther;
      if (m.score < bar || (best && m.score <= best.m.score)) continue;
      // Years are no evidence for a join, but headlines naming different years report different events.
      if (doc.years.length && s.years.length && !doc.years.some((y) => s.years.includes(y))) continue;
      if (!m.shared.some(([t]) => doc.specific.has(t)) || this.residual(doc, m) < R.residualShare * bar) continue;
      best = { s, m };
    }
    if (!best) {
      const story: StoryRecord = { id: storyIdFor(e.id), n: 0, first: doc.time, last: doc.time, sources: [], years: [], terms: [] };
      this.repo.putStory(this.grow(story, vec, doc, e.sourceId));
      return { storyId: story.id, merged: [], reason: null };
    }
    this.repo.putStory(this.grow(best.s, vec, doc, e.sourceId));
    const terms = best.m.shared
      .filter(([t]) => doc.words.has(t))
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 6)
      .map(([t]) => doc.words.get(t)!);
    return { storyId: best.s.id, merged: [], reason: { kind: 'story', score: Math.round(best.m.score * 1000) / 1000, terms } };
  }

  /**
   * How entry `a` would score against a story holding only `b`, with the current statistics
   * (no time decay): for tests and for debugging a bad join.
   */
  compare(a: Groupable, b: Groupable): { score: number; residual: number; terms: string[] } {
    const da = this.doc(a);
    const db = this.doc({ ...b, published: a.published });
    const story = this.grow({ id: 'probe', n: 0, first: da.time, last: da.time, sources: [], years: [], terms: [] }, this.vector(db), db, b.sourceId);
    const m = this.match(da, this.vector(da), story);
    const terms = m.shared.filter(([t]) => da.words.has(t)).sort((x, y) => y[1] - x[1]).map(([t]) => da.words.get(t)!);
    return { score: m.score, residual: this.residual(da, m), terms };
  }

  /** The story with a member's vector added to its centroid, trimmed to its strongest terms. */
  private grow(s: StoryRecord, vec: Map<number, number>, doc: Pick<Doc, 'time' | 'years'>, sourceId: string): StoryRecord {
    const time = doc.time;
    const c = new Map(s.terms);
    for (const [t, w] of vec) c.set(t, (c.get(t) ?? 0) + w);
    const terms = [...c].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, STORY_TERMS_KEPT);
    const sources = s.sources.includes(sourceId) || s.sources.length >= STORY_SOURCES_KEPT ? s.sources : [...s.sources, sourceId];
    const years = [...new Set([...s.years, ...doc.years])].sort((a, b) => a - b).slice(0, STORY_YEARS_KEPT);
    return { ...s, n: s.n + 1, first: Math.min(s.first, time), last: Math.max(s.last, time), sources, years, terms };
  }
}
