/**
 * Duplicate detection: for each new entry, is it a copy of an article we
 * already hold? A duplicate is the same article *text*: it is merged into the
 * earliest version and hidden from deduped views. In this order:
 *
 *   1. the same canonical URL, ignoring scheme and `www.` (Feedbin support
 *      #431, Miniflux #1366), from any source, the entry's own included: a
 *      feed that re-issues an article under a new guid repeats its URL;
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
 *      words; a copy keeps at least `sequenceSimilarity` of them. Both sides
 *      need a summary: two headlines alone are no body evidence;
 *   4. the same outlet re-publishing: one publisher (the same source and
 *      domain, or the publisher's sibling domain, `.co.uk` and `.com`) or the
 *      same long URL slug, with the same headline words (one word may change
 *      when the summaries agree too). A slug change, a domain move, a re-issued
 *      deal post.
 *
 * Every rule after the URL needs the numbers to agree: a copy has none the
 * original lacks (nor the other way round, but for a summary cut shorter).
 * And one publisher's copy of its own article keeps the headline: its two
 * articles filled in from one template ("Apple Seeds First Beta of tvOS
 * 15.5", "... of watchOS 8.6") share most of their text, and are two
 * articles. Headlines alike across *different* outlets, without body
 * evidence, are never duplicates: two outlets' reports of one event are a
 * story (group.ts). The earliest version stays the primary; the orchestrator
 * places entries oldest first.
 *
 * State lives behind `DedupeRepo` (grouping-state.ts): per entry, its URL
 * key and parts, headline word ids, numbers, word sequence and, with enough
 * text, a 32 x 16-bit MinHash of its vocabulary and a bottom-64 sketch of its
 * skeleton shingles (about 450 bytes). Candidates are found by headline words,
 * the exact headline word set, LSH bands of the MinHash and the URL slug,
 * skipping keys too common to be useful.
 */
import { contentTokens, skeletonShingles, tokenId, words } from './features';
import { fnv1a } from './hash';
import { urlMatchKey } from './normalize/url';
import type { DedupeRepo, DupRecord } from './grouping-state';
import type { DuplicateRule } from './model';

export interface DuplicateMatch {
  primaryId: string;
  rule: DuplicateRule;
  /** the rule's own measure, rounded to 3 decimals (1 for a URL) */
  score: number;
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
  /** A summary shorter than this many words is no body evidence. */
  summaryMinWords: 8,
  /** Headline word overlap (Jaccard) for a re-publication by the same outlet. */
  republishedTitle: 0.8,
  republishedMinTokens: 3,
  /** A URL slug of at least this many words identifies an article across domains. */
  slugMinWords: 4,
  /** Index words shared by more entries than this are not used to find candidates. */
  maxPosting: 60,
  /** Candidates compared per entry, those sharing the most keys first. */
  maxCandidates: 24,
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

type StoredFingerprint = NonNullable<DupRecord['fp']>;

function encode(fp: Fingerprint): StoredFingerprint {
  return [toHex(fp.sig), fp.size, fp.skel.map((h) => h.toString(36)).join(','), fp.skelSize];
}

function decode(raw: StoredFingerprint): Fingerprint {
  return { sig: fromHex(raw[0]), size: raw[1], skel: raw[2] ? raw[2].split(',').map((x) => Number.parseInt(x, 36)) : [], skelSize: raw[3] };
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

/**
 * An upper bound of `sequenceSimilarity`, in linear time: the words the two sequences share
 * (with repeats), over the longer one. A common subsequence cannot be longer.
 */
export function sequenceBound(a: number[], b: number[]): number {
  if (!a.length || !b.length) return 0;
  const left = new Map<number, number>();
  for (const x of a) left.set(x, (left.get(x) ?? 0) + 1);
  let common = 0;
  for (const x of b) {
    const n = left.get(x);
    if (!n) continue;
    common++;
    left.set(x, n - 1);
  }
  return common / Math.max(a.length, b.length);
}

/** Second-level labels under which a country code registers names ("co.uk", "com.au"). */
const SECOND_LEVEL = new Set(['co', 'com', 'org', 'net', 'ac', 'gov', 'edu', 'ne', 'or']);

/**
 * Where an article lives: its publisher, the label of its registrable domain ("telegraph" for
 * www.telegraph.co.uk and telegraph.com), that domain, and the id of its URL's last path
 * segment when that is a long word slug ("elon-musk-joins-twitter-board").
 */
export function urlParts(url: string | null): { outlet: string; host: string; slug: number | null } {
  return partsOfKey(urlMatchKey(url));
}

/** The same, from a URL match key (host + path + query), so a URL is parsed once. */
function partsOfKey(key: string | null): { outlet: string; host: string; slug: number | null } {
  if (!key) return { outlet: '', host: '', slug: null };
  const slash = key.indexOf('/');
  const hostname = (slash < 0 ? key : key.slice(0, slash)).replace(/:\d+$/, '');
  const path = slash < 0 ? '' : key.slice(slash).split('?')[0];
  const parts = hostname.split('.');
  const cc = parts.length >= 3 && parts[parts.length - 1].length === 2 && SECOND_LEVEL.has(parts[parts.length - 2]);
  const n = parts.length < 2 ? parts.length : cc ? 3 : 2;
  const last = path.split('/').filter(Boolean).pop() ?? '';
  const slugWords = last.replace(/\.[a-z]{2,5}$/i, '').toLowerCase().split(/[-_]+/).filter((w) => /[a-z]/.test(w));
  const slug = slugWords.length >= DEDUPE_RULES.slugMinWords ? fnv1a(`slug:${slugWords.join('-')}`) : null;
  return { outlet: parts[parts.length - n], host: parts.slice(-n).join('.'), slug };
}

const NUMBER = /^\d[\d,.]*$/;

/**
 * Headlines alike enough to be one article's: the same numbers, and content words overlapping
 * by `republishedTitle` (Jaccard) when the summaries agree too, or all the same when there is
 * no summary to compare: a headline one word away may be the next of a series ("The 50 Most
 * Anticipated Albums of 2024" and "... of Spring 2024").
 */
function sameHeadline(a: DupRecord, b: DupRecord, summariesAgree: boolean): number {
  const x = new Set(a.title);
  const y = new Set(b.title);
  if (Math.min(x.size, y.size) < DEDUPE_RULES.republishedMinTokens || a.titleNumbers !== b.titleNumbers) return 0;
  const j = jaccard(x, y);
  return j >= (summariesAgree ? DEDUPE_RULES.republishedTitle : 1) ? j : 0;
}

/** One list of numbers holds all of the other's (a shorter summary may stop before some). */
function numbersAgree(a: string[], b: string[]): boolean {
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  return small.every((x) => large.includes(x));
}

type Candidate = { id: string; sourceId: string; url: string | null; title: string; summaryText: string; published: string; dupOf?: string | null; fullText?: string };

interface Probe {
  record: DupRecord;
  fp: Fingerprint | null;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export class DuplicateIndex {
  /** The probe `match` made, reused by `add` for the same entry. */
  private last: { e: Candidate; p: Probe } | null = null;

  constructor(private readonly repo: DedupeRepo) {}

  private probe(e: Candidate, fp?: Fingerprint | null): Probe {
    const f = fp !== undefined ? fp : e.fullText ? fingerprintOf(e.fullText) : null;
    const titleWords = words(e.title);
    const summaryWords = words(e.summaryText);
    const urlKey = urlMatchKey(e.url);
    const record: DupRecord = {
      id: e.id,
      sourceId: e.sourceId,
      ...partsOfKey(urlKey),
      primary: e.dupOf ?? e.id,
      time: Date.parse(e.published),
      urlKey,
      title: [...new Set(contentTokens(e.title).map(tokenId))],
      titleNumbers: titleWords.filter((w) => NUMBER.test(w)).sort().join(' '),
      numbers: [...new Set([...titleWords, ...summaryWords].filter((w) => NUMBER.test(w)))].sort(),
      seq: [...titleWords, ...summaryWords].slice(0, DEDUPE_RULES.sequenceMaxWords).map((w) => tokenId(w.toLowerCase())),
      summaryWords: summaryWords.length,
      fp: f ? encode(f) : null,
    };
    return { record, fp: f };
  }

  /**
   * Where an entry is posted and looked up. Headline words only for entries with a summary (the
   * sequence rule compares those, and needs both); the exact set of headline words for all (a
   * re-publication keeps it); vocabulary bands with a text fingerprint; the URL slug. Keys
   * strong on their own are posted twice, since a candidate needs two hits.
   */
  private keys(p: Probe): number[] {
    const r = p.record;
    const keys = r.summaryWords >= DEDUPE_RULES.summaryMinWords ? [...r.title] : [];
    if (r.title.length) {
      const exact = fnv1a(`title:${[...r.title].sort((a, b) => a - b).join(',')}`);
      keys.push(exact, exact);
    }
    if (r.fp) {
      const b = bands(r.fp[0]);
      keys.push(...b, ...b);
    }
    if (r.slug !== null) keys.push(r.slug, r.slug);
    return keys;
  }

  /** Recorded entries sharing at least two keys with the probe, most shared first. */
  private candidates(p: Probe): DupRecord[] {
    const hits = new Map<string, { r: DupRecord; n: number }>();
    for (const [, r] of this.repo.withKeys(this.keys(p), DEDUPE_RULES.maxPosting)) {
      const h = hits.get(r.id);
      if (h) h.n++;
      else hits.set(r.id, { r, n: 1 });
    }
    return [...hits.values()]
      .filter((h) => h.n >= 2 && h.r.id !== p.record.id)
      .sort((a, b) => b.n - a.n || (a.r.id < b.r.id ? -1 : 1))
      .slice(0, DEDUPE_RULES.maxCandidates)
      .map((h) => h.r);
  }

  /** The primary this entry copies, with the rule and its score; null if it is an article of its own. */
  match(e: Candidate): DuplicateMatch | null {
    const p = this.probe(e);
    this.last = { e, p };
    const r = p.record;
    if (r.urlKey) {
      const hit = this.repo.byUrlKey(r.urlKey);
      if (hit && hit.id !== r.id) return { primaryId: hit.primary, rule: 'url', score: 1 };
    }
    for (const k of this.candidates(p)) {
      // A copy keeps the numbers: texts that differ in them are siblings of a template
      // ("tvOS 15.5" and "watchOS 8.6" betas), not one article.
      if (!numbersAgree(r.numbers, k.numbers)) continue;
      // One publisher's two articles may share a template's text; its copy of an article keeps
      // the headline too (an edited word at most).
      const own = this.samePublisher(p, k);
      const ownCopy = () => sameHeadline(r, k, true) > 0;
      const kfp = k.fp ? decode(k.fp) : null;
      if (p.fp && kfp) {
        // Both texts are there: they decide, not the headlines.
        if (sameText(p.fp, kfp) && (!own || ownCopy())) return { primaryId: k.primary, rule: 'text', score: round(containment(p.fp, kfp)) };
        continue;
      }
      const bodies = r.summaryWords >= DEDUPE_RULES.summaryMinWords && k.summaryWords >= DEDUPE_RULES.summaryMinWords;
      const [short, long] = r.seq.length <= k.seq.length ? [r.seq, k.seq] : [k.seq, r.seq];
      const comparable = bodies && short.length >= DEDUPE_RULES.sequenceMinWords && long.length <= 1.5 * short.length;
      const republishing = own || (r.slug !== null && r.slug === k.slug);
      // The word-order comparison is the costly one: only where a rule will read it, and where
      // the shared words leave it a chance.
      const worth = (comparable || (bodies && republishing)) && sequenceBound(r.seq, k.seq) >= DEDUPE_RULES.sequenceSimilarity;
      const seqSim = worth ? sequenceSimilarity(r.seq, k.seq) : 0;
      if (comparable && seqSim >= DEDUPE_RULES.sequenceSimilarity && (!own || ownCopy())) return { primaryId: k.primary, rule: 'sequence', score: round(seqSim) };
      // The same outlet re-publishing (one publisher, or one long URL slug on another domain):
      // the headline again, and the summary again when both have one.
      if (!republishing) continue;
      const agree = seqSim >= DEDUPE_RULES.sequenceSimilarity;
      if (bodies && !agree) continue;
      const j = sameHeadline(r, k, agree);
      if (j) return { primaryId: k.primary, rule: 'republished', score: round(j) };
    }
    return null;
  }

  /**
   * One publisher: one source and one domain (a source that links to many domains, such as an
   * aggregator's feed, is not one publisher), or the same publisher under another suffix
   * (telegraph.co.uk, telegraph.com). The same domain under two sources is not enough: it may
   * be a shared redirector.
   */
  private samePublisher(p: Probe, k: DupRecord): boolean {
    const r = p.record;
    if (k.sourceId === r.sourceId && r.host === k.host) return true;
    return Boolean(r.outlet) && r.outlet === k.outlet && r.host !== k.host;
  }

  /** Record an entry (a primary, or a copy pointing at its primary) so later entries can match it. */
  add(e: Candidate, fp?: Fingerprint | null): void {
    const same = this.last && fp === undefined && this.last.e.id === e.id && this.last.e.url === e.url && this.last.e.title === e.title;
    const p = same ? { ...this.last!.p, record: { ...this.last!.p.record, primary: e.dupOf ?? e.id } } : this.probe(e, fp);
    this.last = null;
    this.repo.put(p.record, this.keys(p));
  }

  /** Re-record entries kept in a catalog, with their stored fingerprints (placement.ts rebuildState). */
  rememberAll(entries: Iterable<Candidate>, fps: Record<string, DupRecord['fp']>): void {
    for (const e of entries) {
      const raw = fps[e.id];
      this.add(e, raw ? decode(raw) : null);
    }
  }

  /** Drop entries that left the retention window. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.repo.remove(id);
  }
}
