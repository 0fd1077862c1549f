/**
 * Duplicate detection: for each new entry, is it a copy of an article we
 * already hold? The same source + guid is the same entry (its id says so;
 * catalog.ts handles it). Across sources, in this order:
 *
 *   1. the same canonical URL, ignoring scheme and `www.` (Feedbin support
 *      #431, Miniflux #1366);
 *   2. the same text, near enough: syndicated wire copies and *spun*
 *      rewrites. A spinner swaps about a third of the words for synonyms, so
 *      word shingles fail. What it leaves alone is the skeleton of the text:
 *      function words, numbers and names, in their order (the "immutables" of
 *      DSpin, Zhang, Wang & Voelker, NDSS 2014). Two texts (summary + content,
 *      at least `minTextTokens` content words each) are copies when a good
 *      part of the smaller one's skeleton shingles appear in the other's and
 *      much of its vocabulary does too. Calibrated on the corpus: the seed
 *      spun article and 17 of 19 "light" Clough-Stevenson rewrites match
 *      their originals; none of the 38 independently written answers on the
 *      same topics does (test/dedupe.test.ts);
 *   3. when the texts are too short for that (a headline and a one-sentence
 *      summary), the word sequences themselves: a spinner substitutes words
 *      one for one, so most of the original's words survive in their order.
 *      Headline + summary are compared by longest common subsequence of
 *      words; a copy keeps at least `sequenceSimilarity` of them;
 *   4. when one side has no summary at all: a near-identical headline (wire
 *      stories reprinted with the same title) published within two days.
 *
 * Only entries from different sources are merged (Feedly does the same: a
 * feed repeating itself is its own business). The earliest version stays the
 * primary; the orchestrator places entries oldest first.
 *
 * What is kept between runs (groups:v1, `dedupe`): per entry with enough
 * text, a 32 x 16-bit MinHash of its vocabulary and a bottom-64 sketch of its
 * skeleton shingles, with their sizes, as strings of about 450 bytes.
 * Headlines and URLs come from the catalog itself. Candidates are found
 * through inverted indexes over headline words and LSH bands of the
 * vocabulary MinHash, skipping keys common enough to be useless. Stored
 * fingerprints are decoded only for entries that become candidates.
 */
import { contentTokens, skeletonShingles, tokenId, words } from './features';
import { fnv1a } from './hash';
import { urlMatchKey } from './normalize/url';
import type { StoredEntry } from './model';

export interface DuplicateMatch {
  primaryId: string;
  reason: 'url' | 'text' | 'sequence' | 'title';
}

export interface DedupeState {
  v: 3;
  /** entry id -> [vocabulary minhash (hex, 32 x 4), vocabulary size, skeleton sketch (base36, comma-separated), skeleton size] */
  fp: Record<string, [string, number, string, number]>;
}

export const DEDUPE_RULES = {
  /** Texts shorter than this (content words) are compared by headline only. */
  minTextTokens: 12,
  /**
   * Share of the smaller text's skeleton shingles found in the other's. Measured on the
   * corpus: the seed spun article 0.42; articles by different outlets on the same event (they
   * quote the same statements) at most 0.35; independent answers on one topic at most 0.09.
   */
  skeletonContainment: 0.38,
  minSharedShingles: 4,
  /** Estimated share of the smaller vocabulary found in the larger one. */
  textContainment: 0.4,
  /** Estimated vocabulary Jaccard that alone makes a copy (near-verbatim reprints of similar length). */
  verbatimJaccard: 0.6,
  verbatimSizeRatio: 1.5,
  /** Share of the longer word sequence (headline + summary) matched in order by the other. */
  sequenceSimilarity: 0.6,
  /** Fewer words than this (headline + summary) and the sequence rule does not apply. */
  sequenceMinWords: 12,
  sequenceMaxWords: 80,
  /** Headline word overlap (Jaccard) for a headline-only duplicate. */
  titleDuplicate: 0.8,
  titleMinTokens: 3,
  titleWindowHours: 48,
  /** Index words shared by more entries than this are not used to find candidates. */
  maxPosting: 60,
} as const;

const HASHES = 32;
// Odd multipliers and offsets for 32 universal hash functions, derived from a fixed seed.
const MUL = Array.from({ length: HASHES }, (_, i) => (fnv1a(`mul${i}`) | 1) >>> 0);
const ADD = Array.from({ length: HASHES }, (_, i) => fnv1a(`add${i}`));

export function minhash(ids: Iterable<number>): Uint16Array {
  const mins = new Uint32Array(HASHES).fill(0xffffffff);
  for (const x of ids) {
    for (let i = 0; i < HASHES; i++) {
      const h = (Math.imul(x ^ ADD[i], MUL[i]) ^ (x >>> 13)) >>> 0;
      if (h < mins[i]) mins[i] = h;
    }
  }
  const out = new Uint16Array(HASHES);
  for (let i = 0; i < HASHES; i++) out[i] = mins[i] >>> 16;
  return out;
}

const toHex = (a: ArrayLike<number>) => Array.from(a, (v) => v.toString(16).padStart(4, '0')).join('');
const fromHex = (s: string) => {
  const out = new Uint16Array(s.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(i * 4, i * 4 + 4), 16);
  return out;
};

/** Keep the 64 smallest shingle hashes: a sketch that is exact for small sets (bottom-k, Broder 1997). */
const SKETCH = 64;

interface Fingerprint {
  sig: Uint16Array;
  size: number;
  /** ascending bottom-k sketch of skeleton shingle hashes */
  skel: number[];
  skelSize: number;
}

/**
 * Share of the smaller skeleton's shingles present in the other, from the two sketches. Every
 * hash of the smaller set's sketch that is below the other sketch's largest value can be
 * checked exactly (the other sketch holds all of its set's hashes up to there), so those
 * hashes are a uniform sample of the smaller set (Broder 1997; exact for sets under SKETCH).
 */
export function skeletonOverlap(a: Fingerprint, b: Fingerprint): { shared: number; containment: number } {
  const [small, large] = a.skelSize <= b.skelSize ? [a, b] : [b, a];
  if (!small.skel.length) return { shared: 0, containment: 0 };
  const limit = large.skelSize <= SKETCH ? Infinity : large.skel[large.skel.length - 1];
  const inLarge = new Set(large.skel);
  let sampled = 0;
  let hits = 0;
  for (const h of small.skel) {
    if (h > limit) break;
    sampled++;
    if (inLarge.has(h)) hits++;
  }
  if (!sampled) return { shared: 0, containment: 0 };
  const c = hits / sampled;
  return { shared: c * small.skelSize, containment: c };
}

/** LSH band keys (16 bands of 2 MinHash values), read straight from the stored hex signature. */
function bands(sigHex: string): number[] {
  const out: number[] = [];
  for (let b = 0; b < HASHES / 2; b++) out.push((Math.imul(b + 1, 0x9e3779b1) ^ Number.parseInt(sigHex.slice(8 * b, 8 * b + 8), 16)) >>> 0);
  return out;
}

/** Estimated Jaccard similarity of two vocabularies: the share of MinHash values they agree on. */
export function vocabularyJaccard(a: Fingerprint, b: Fingerprint): number {
  let agree = 0;
  for (let i = 0; i < HASHES; i++) if (a.sig[i] === b.sig[i]) agree++;
  return agree / HASHES;
}

/** Estimated share of the smaller vocabulary contained in the larger one. */
export function containment(a: Fingerprint, b: Fingerprint): number {
  const j = vocabularyJaccard(a, b);
  const inter = (j / (1 + j)) * (a.size + b.size);
  return Math.min(1, inter / Math.min(a.size, b.size));
}

function overlap<T>(a: Set<T>, b: Set<T>): number {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n;
}

function jaccard<T>(a: Set<T>, b: Set<T>): number {
  const i = overlap(a, b);
  return i / (a.size + b.size - i || 1);
}

/** The fingerprint of a text, or null when it is too short to judge by. */
export function fingerprintOf(text: string): Fingerprint | null {
  const tokens = new Set(contentTokens(text).map(tokenId));
  if (tokens.size < DEDUPE_RULES.minTextTokens) return null;
  const shingles = skeletonShingles(text);
  return { sig: minhash(tokens), size: tokens.size, skel: [...shingles].sort((a, b) => a - b).slice(0, SKETCH), skelSize: shingles.size };
}

/** Is one text a copy of the other? */
export function sameText(a: Fingerprint, b: Fingerprint): boolean {
  const ratio = Math.max(a.size, b.size) / Math.min(a.size, b.size);
  if (ratio <= DEDUPE_RULES.verbatimSizeRatio && vocabularyJaccard(a, b) >= DEDUPE_RULES.verbatimJaccard) return true;
  if (containment(a, b) < DEDUPE_RULES.textContainment) return false;
  const skel = skeletonOverlap(a, b);
  return skel.containment >= DEDUPE_RULES.skeletonContainment && skel.shared >= DEDUPE_RULES.minSharedShingles;
}

type StoredFingerprint = DedupeState['fp'][string];

interface Known {
  id: string;
  sourceId: string;
  primary: string;
  title: Set<number>;
  /** headline + summary; its word sequence is computed only if the sequence rule needs it */
  text: string;
  seq?: number[];
  time: number;
  /** stored form, decoded on first use: most known entries are never a candidate */
  raw: StoredFingerprint | null;
  fp?: Fingerprint | null;
}

function encode(fp: Fingerprint): StoredFingerprint {
  return [toHex(fp.sig), fp.size, fp.skel.map((h) => h.toString(36)).join(','), fp.skelSize];
}

function decode(raw: StoredFingerprint): Fingerprint {
  return { sig: fromHex(raw[0]), size: raw[1], skel: raw[2] ? raw[2].split(',').map((x) => Number.parseInt(x, 36)) : [], skelSize: raw[3] };
}

function fingerprint(k: Known): Fingerprint | null {
  if (k.fp === undefined) k.fp = k.raw ? decode(k.raw) : null;
  return k.fp;
}

function sequence(k: Known): number[] {
  if (!k.seq) k.seq = wordSequenceOf(k.text);
  return k.seq;
}

/** Lowercase word ids of headline + summary, stop words included: they are the text's skeleton. */
function wordSequenceOf(text: string): number[] {
  return words(text).slice(0, DEDUPE_RULES.sequenceMaxWords).map((w) => tokenId(w.toLowerCase()));
}

/** Longest common subsequence length over the longer sequence (dynamic programming, two rows). */
export function sequenceSimilarity(a: number[], b: number[]): number {
  if (!a.length || !b.length) return 0;
  let prev = new Uint16Array(b.length + 1);
  let cur = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] / Math.max(a.length, b.length);
}

type Candidate = Pick<StoredEntry, 'id' | 'sourceId' | 'url' | 'title' | 'summaryText' | 'published' | 'dupOf'> & { fullText?: string };

export class DuplicateIndex {
  private readonly byUrl = new Map<string, string>();
  private readonly known = new Map<string, Known>();
  /** LSH over the vocabulary MinHash: 16 bands of 2 values (Mining of Massive Datasets, ch. 3). */
  private readonly byBand = new Map<number, Set<string>>();
  private readonly byTitleWord = new Map<number, Set<string>>();

  constructor(entries: Iterable<StoredEntry>, state: DedupeState | { v: number } | null) {
    const fps = state && state.v === 3 ? (state as DedupeState).fp : {};
    for (const e of entries) this.remember(e, fps[e.id] ?? null);
  }

  private remember(e: Candidate, raw: StoredFingerprint | null, fp?: Fingerprint | null) {
    const key = urlMatchKey(e.url);
    if (key && !this.byUrl.has(key)) this.byUrl.set(key, e.dupOf ?? e.id);
    const title = new Set(contentTokens(e.title).map(tokenId));
    this.known.set(e.id, { id: e.id, sourceId: e.sourceId, primary: e.dupOf ?? e.id, title, text: `${e.title} ${e.summaryText}`, time: Date.parse(e.published), raw, fp });
    const post = (index: Map<number, Set<string>>, k: number) => {
      const set = index.get(k);
      if (!set) index.set(k, new Set([e.id]));
      // Past the cap the key is too common to find candidates with; stop growing it.
      else if (set.size <= DEDUPE_RULES.maxPosting) set.add(e.id);
    };
    for (const t of title) post(this.byTitleWord, t);
    if (raw) for (const b of bands(raw[0])) post(this.byBand, b);
  }

  /** Candidate entries sharing rare headline words or vocabulary LSH bands, most shared first. */
  private candidates(title: Set<number>, sigHex: string | null): string[] {
    const score = new Map<string, number>();
    const bump = (index: Map<number, Set<string>>, keys: Iterable<number>) => {
      for (const k of keys) {
        const set = index.get(k);
        if (!set || set.size > DEDUPE_RULES.maxPosting) continue;
        for (const id of set) score.set(id, (score.get(id) ?? 0) + 1);
      }
    };
    bump(this.byTitleWord, title);
    if (sigHex) {
      // A shared band is strong evidence on its own: count it twice.
      bump(this.byBand, bands(sigHex));
      bump(this.byBand, bands(sigHex));
    }
    return [...score].filter(([, n]) => n >= 2).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 50).map(([id]) => id);
  }

  /** The primary this entry duplicates, if any. */
  match(e: Candidate): DuplicateMatch | null {
    const key = urlMatchKey(e.url);
    const hit = key ? this.byUrl.get(key) : undefined;
    if (hit && hit !== e.id && this.known.get(hit)?.sourceId !== e.sourceId) return { primaryId: hit, reason: 'url' };

    const title = new Set(contentTokens(e.title).map(tokenId));
    const fp = e.fullText ? fingerprintOf(e.fullText) : null;
    const seq = wordSequenceOf(`${e.title} ${e.summaryText}`);
    const sigHex = fp ? toHex(fp.sig) : null;
    const time = Date.parse(e.published);
    for (const id of this.candidates(title, sigHex)) {
      const k = this.known.get(id)!;
      if (k.sourceId === e.sourceId || k.id === e.id) continue;
      const primarySource = this.known.get(k.primary)?.sourceId;
      if (primarySource === e.sourceId) continue;
      const kfp = fingerprint(k);
      if (fp && kfp) {
        // Both texts are there: they decide, not the headlines.
        if (sameText(fp, kfp)) return { primaryId: k.primary, reason: 'text' };
        continue;
      }
      const kseq = sequence(k);
      if (Math.min(seq.length, kseq.length) >= DEDUPE_RULES.sequenceMinWords &&
        Math.max(seq.length, kseq.length) <= 1.5 * Math.min(seq.length, kseq.length)) {
        if (sequenceSimilarity(seq, kseq) >= DEDUPE_RULES.sequenceSimilarity) return { primaryId: k.primary, reason: 'sequence' };
        continue;
      }
      const tj = jaccard(title, k.title);
      if (tj >= DEDUPE_RULES.titleDuplicate && Math.min(title.size, k.title.size) >= DEDUPE_RULES.titleMinTokens &&
        Math.abs(time - k.time) <= DEDUPE_RULES.titleWindowHours * 3_600_000) {
        return { primaryId: k.primary, reason: 'title' };
      }
    }
    return null;
  }

  /** Record an entry (a primary, or a copy pointing at its primary) so later entries can match it. */
  add(e: Candidate): void {
    const fp = e.fullText ? fingerprintOf(e.fullText) : null;
    this.remember(e, fp ? encode(fp) : null, fp);
  }

  /** Drop entries that left the retention window (long-lived indexes, e.g. the benchmark). */
  forget(ids: Iterable<string>): void {
    const gone = new Set(ids);
    for (const id of gone) {
      const k = this.known.get(id);
      if (!k) continue;
      this.known.delete(id);
      const drop = (index: Map<number, Set<string>>, keys: Iterable<number>) => {
        for (const key of keys) {
          const set = index.get(key);
          if (!set) continue;
          set.delete(id);
          if (!set.size) index.delete(key);
        }
      };
      drop(this.byTitleWord, k.title);
      if (k.raw) drop(this.byBand, bands(k.raw[0]));
    }
    for (const [key, id] of this.byUrl) if (gone.has(id)) this.byUrl.delete(key);
    // A key that was capped may hold fewer ids now but stays unused: it was common.
  }

  /** Fingerprints of the entries still retained. */
  state(retained: Iterable<string>): DedupeState {
    const fp: DedupeState['fp'] = {};
    for (const id of retained) {
      const k = this.known.get(id);
      if (k?.raw) fp[id] = k.raw;
    }
    return { v: 3, fp };
  }
}
