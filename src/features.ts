/**
 * Text features shared by duplicate detection and story grouping, pure:
 * tokens (lowercased, stop words out, light stemming); the skeleton of a
 * text: the function words, numbers and names that a content farm's synonym
 * spinner leaves alone (its "immutables": DSpin, Zhang, Wang & Voelker, NDSS
 * 2014); and, for grouping, a headline and summary cut into *segments* at
 * their delimiters (": ", " | ", " – ", "›", sentence ends), each with its
 * evidence terms. A segment is the unit a source repeats when it labels a
 * series ("Album Review:", "| Letters", "View Entire Post ›"), so grouping
 * counts segments per source to learn that source's boilerplate. Tokens are
 * hashed to 32-bit ids so the state kept between runs is numbers, not words.
 */
import { fnv1a } from './hash';

/** Function words and headline filler that say nothing about which event a story is about. */
const STOP = new Set(`a about above after again against ago all almost also am among an and another any are aren't around as at
back be became because been before being below between both but by can can't cannot could couldn't did didn't do does doesn't
doing don't down during each either else even ever every few for from further get gets getting got had hadn't has hasn't have
haven't having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in
into is isn't it it's its itself just let's like many may me might more most much must mustn't my myself near need new no nor
not now of off on once one only or other ought our ours ourselves out over own per perhaps put rather really said same say
says see seen shall shan't she she'd she'll she's should shouldn't since so some still such than that that's the their
theirs them themselves then there there's these they they'd they'll they're they've this those though through thus till to
too toward towards under until up upon us very via was wasn't way we we'd we'll we're we've were weren't what what's when
when's where where's whether which while who who's whom whose why why's will with within without won't would wouldn't yet you
you'd you'll you're you've your yours yourself yourselves
report reports reported update updates updated video videos photo photos watch read look looks first last latest today
week year years day days time make makes made take takes took go goes going come comes came want wants know knows
news live breaking exclusive`.split(/\s+/));

/** Suffix stripping in the spirit of the S-stemmer and Porter's step 1 (Porter, 1980), deliberately light. */
export function stem(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith("'s")) w = w.slice(0, -2);
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ing') && w.length > 5) {
    const b = w.slice(0, -3);
    return /([^aeiouls])\1$/.test(b) ? b.slice(0, -1) : b;
  }
  if (w.endsWith('ed') && w.length > 4) {
    const b = w.slice(0, -2);
    if (b.endsWith('i')) return `${b.slice(0, -1)}y`;
    return /([^aeiouls])\1$/.test(b) ? b.slice(0, -1) : b;
  }
  if (w.endsWith('es') && /(sh|ch|x|z|ss)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’.&-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu;

/** Raw word tokens, apostrophes normalized, trailing possessives kept for `stem`. */
export function words(text: string): string[] {
  const hit = wordsMemo.get(text);
  if (hit) return hit;
  const out = (text.normalize('NFKC').replace(/[’‘]/g, "'").match(WORD) ?? []).map((w) => w.replace(/\.$/, ''));
  if (wordsMemo.size >= 20_000) wordsMemo.clear();
  wordsMemo.set(text, out);
  return out;
}

// Dedupe reads the same headlines and summaries when it matches an entry and when it records it.
const wordsMemo = new Map<string, string[]>();

// Dedupe and grouping each tokenize the same headlines several times per run; remember the
// last few thousand results. (Cleared wholesale when full: simple, and bounded.)
const memo = new Map<string, string[]>();
const MEMO_MAX = 20_000;

/** Content tokens: lowercased, stop words and 1-letter tokens removed, stemmed; hyphenated words split. */
export function contentTokens(text: string): string[] {
  const hit = memo.get(text);
  if (hit) return hit;
  const out = tokenize(text);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(text, out);
  return out;
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const raw of words(text)) {
    for (const part of raw.toLowerCase().split(/[-.&]/)) {
      const w = part.replace(/'s$/, '').replace(/'/g, '');
      if (w.length < 2 || STOP.has(w) || STOP.has(part)) continue;
      out.push(stem(w));
    }
  }
  return out;
}

export function tokenId(t: string): number {
  return fnv1a(t);
}


/** Function words a synonym spinner leaves in place (and that carry no topic). */
const FUNCTION_WORDS = new Set(`a an the of in on at to for from by with and or but as is was were are be been has had have that
this these those it its he she they his her their who which what when where not no so than then there also about after before
into over out up more most all some any only just very can could would should will may might do did does if while because
during between through against under until since`.split(/\s+/));

/**
 * The skeleton of a running text: function words, numbers and names kept, every other word
 * replaced by a placeholder, sentence ends marked. A spinner rewrites content words one for one
 * and leaves this skeleton nearly intact; two independently written texts share little of it.
 * Returned as hashed 5-word shingles that contain at least three kept words (with only two,
 * stock phrases such as "in the _ of the" match between unrelated texts).
 */
export function skeletonShingles(text: string, k = 5): Set<number> {
  const seq: string[] = [];
  for (const sentence of text.normalize('NFKC').replace(/[’‘]/g, "'").split(/(?<=[.!?])\s+|\n+/)) {
    const ws = words(sentence);
    ws.forEach((w, i) => {
      const low = w.toLowerCase();
      if (FUNCTION_WORDS.has(low)) seq.push(low);
      else if (/^\d/.test(w)) seq.push('#');
      else if (i > 0 && /^\p{Lu}/u.test(w)) seq.push(low.replace(/'s$/, ''));
      else seq.push('_');
    });
    seq.push('|');
  }
  const out = new Set<number>();
  for (let i = 0; i + k <= seq.length; i++) {
    const g = seq.slice(i, i + k);
    let kept = 0;
    for (const x of g) if (x !== '_' && x !== '|') kept++;
    if (kept >= 3) out.add(fnv1a(g.join(' ')));
  }
  return out;
}


/**
 * Weekdays and months: every event of a day shares them, so they are no evidence that two
 * articles report the same one (nor are years; see `evidenceTerm`).
 */
const DATE_WORDS = new Set(`monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
january february march april june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
tonight yesterday tomorrow morning afternoon evening night weekend`.split(/\s+/));

/** Prefix length words are cut to, so spelling variants meet ("zelenskyy/zelensky/zelenskiy", "privatise/privatisation"). */
export const PREFIX_LETTERS = 6;

/**
 * The evidence term of one raw word, or null when the word says nothing about which event an
 * article reports: stop words, dates, years (1900-2099), decades and small counts (under 100, as in
 * "17 Moms Who ..." or "Episode 28"). Other numbers are kept whole ("8.2", "3000", "15.5"), as
 * are words mixing letters and digits ("s5", "4kg"). Words are lightly stemmed, then cut to
 * their first PREFIX_LETTERS letters.
 */
export function evidenceTerm(raw: string): string | null {
  const hit = termMemo.get(raw);
  if (hit !== undefined) return hit;
  const t = toTerm(raw);
  if (termMemo.size >= MEMO_MAX) termMemo.clear();
  termMemo.set(raw, t);
  return t;
}

const termMemo = new Map<string, string | null>();

function toTerm(raw: string): string | null {
  const w = raw.toLowerCase().replace(/'s$/, '').replace(/'/g, '');
  if (!w || STOP.has(w) || DATE_WORDS.has(w)) return null;
  if (/^\d[\d,]*(\.\d+)?$/.test(w)) {
    const n = Number(w.replace(/,/g, ''));
    if (!Number.isFinite(n) || (Number.isInteger(n) && n < 100) || (/^\d{4}$/.test(w) && n >= 1900 && n < 2100)) return null;
    return String(n);
  }
  // Decades and day ordinals are dates too ("the 2020s", "December 10th").
  if (/^(1[89]|20)\d0s$/.test(w) || /^\d{1,2}(st|nd|rd|th)$/.test(w)) return null;
  if (/\d/.test(w)) return w;
  if (w.length < 2) return null;
  const st = stem(w);
  return st.length > PREFIX_LETTERS ? st.slice(0, PREFIX_LETTERS) : st;
}

export interface Token {
  /** hashed evidence term */
  term: number;
  /** the word as written (lowercased), to explain a match */
  word: string;
  /**
   * How running text wrote it: 'upper' (a name, mid-sentence), 'lower' (a common word), or
   * null where the position says nothing (a sentence's first word, a Title Case headline).
   */
  written: 'upper' | 'lower' | null;
  /** inside quotation marks: a phrase reports repeat word for word */
  quoted: boolean;
  /** a number ("8.2", "3000") */
  num: boolean;
}

export interface Segment {
  field: 'title' | 'summary';
  /** hash of the segment's normalized words (digits as '#'): what a source's boilerplate repeats */
  key: number;
  tokens: Token[];
}

/**
 * Where headlines and summaries put their labels: ": ", " | ", dashes between spaces, "›", "»",
 * ellipses, " / ", brackets ("[Lists & Guides]"), sentence ends.
 */
const SEGMENT_BREAK = /:\s+|\s+[|–—-]\s+|\s*[›»]\s*|…|\.{3}|\s+\/\s+|\s*[[\]]\s*|(?<=[.!?]["'”’]?)\s+(?=[^a-z])|\n+/u;

/** Summary tokens beyond this many are ignored: the first sentences carry the event. */
export const SUMMARY_TOKENS = 60;

/**
 * A headline and its summary cut into segments with their evidence terms. A summary that only
 * repeats the headline (or starts with it) adds nothing, so the repeat is dropped.
 */
export function segmentsOf(title: string, summary: string): Segment[] {
  const key = `${title}\u0001${summary}`;
  const hit = segmentMemo.get(key);
  if (hit) return hit;
  const out = segment(title, summary);
  if (segmentMemo.size >= MEMO_MAX) segmentMemo.clear();
  segmentMemo.set(key, out);
  return out;
}

// A run counts, places and may forget the same entries: segment each once (bounded, as `memo`).
const segmentMemo = new Map<string, Segment[]>();

/** What segmenting needs to know of one raw word; remembered, since words recur. */
interface WordInfo {
  raw: string;
  /** the word in a segment key: lowercased, digits as '#' */
  key: string;
  /** starts with a letter: capitalized (2), lowercase (1); else 0 */
  initial: 0 | 1 | 2;
  function: boolean;
  /** a count under 100 ("4"), which only a name before it makes evidence */
  smallNumber: boolean;
  /** evidence pieces: hyphenated and dotted compounds count as their parts ("bobbi-anne"), numbers stay whole */
  pieces: Array<{ term: number; word: string; initial: 0 | 1 | 2; num: boolean }>;
}

const wordMemo = new Map<string, WordInfo>();

function wordInfo(raw: string): WordInfo {
  let info = wordMemo.get(raw);
  if (info) return info;
  const initialOf = (w: string): 0 | 1 | 2 => (/^\p{Lu}/u.test(w) ? 2 : /^\p{Ll}/u.test(w) ? 1 : 0);
  const pieces: WordInfo['pieces'] = [];
  for (const p of /^\d[\d,.]*$/.test(raw) ? [raw] : raw.split(/[-.&/]/)) {
    const t = evidenceTerm(p);
    if (t) pieces.push({ term: fnv1a(t), word: p.toLowerCase().replace(/'s$/, ''), initial: initialOf(p), num: /^\d/.test(t) });
  }
  info = { raw, key: raw.toLowerCase().replace(/\d+/g, '#'), initial: initialOf(raw), function: FUNCTION_WORDS.has(raw.toLowerCase()), smallNumber: !pieces.length && /^\d{1,2}$/.test(raw), pieces };
  if (wordMemo.size >= MEMO_MAX) wordMemo.clear();
  wordMemo.set(raw, info);
  return info;
}

/**
 * Empty the memos above. They save work within a batch (dedupe and grouping read the same texts
 * several times); kept between batches they would only hold memory (up to MEMO_MAX texts with
 * their segments each) in an isolate that has 128 MB.
 */
export function clearTextMemos(): void {
  for (const m of [wordsMemo, memo, termMemo, segmentMemo, wordMemo]) m.clear();
}

const RAW_WORD = /[\p{L}\p{N}][\p{L}\p{N}'.&-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu;

/** Raw words of already normalized text, as `words` gives them. */
function rawWords(text: string): string[] {
  return (text.match(RAW_WORD) ?? []).map((w) => (w.endsWith('.') ? w.slice(0, -1) : w));
}

function segment(title: string, summary: string): Segment[] {
  const out: Segment[] = [];
  pushSegments(out, 'title', title, Infinity);
  let rest = summary.trim();
  const t = title.trim();
  if (t && rest.toLowerCase().startsWith(t.toLowerCase())) rest = rest.slice(t.length).replace(/^[\s.:|–—-]+/, '');
  pushSegments(out, 'summary', rest, SUMMARY_TOKENS);
  return out;
}

/** The words of one segment, each with whether it sits inside quotation marks. */
function segmentWords(part: string): { infos: WordInfo[]; quoted: boolean[] } {
  const infos: WordInfo[] = [];
  const quoted: boolean[] = [];
  for (const [chunk, q] of quotedChunks(part)) {
    for (const w of rawWords(chunk)) {
      infos.push(wordInfo(w));
      quoted.push(q);
    }
  }
  return { infos, quoted };
}

/** Cut `text` into segments with their tokens, until `budget` tokens are taken. */
function pushSegments(out: Segment[], field: Segment['field'], text: string, budget: number): void {
  const parts = text.normalize('NFKC').replace(/[’‘]/g, "'").split(SEGMENT_BREAK);
  const segs = field === 'title' ? parts.map(segmentWords) : null;
  const caseless = segs !== null && isTitleCase(segs.map((s) => s.infos));
  for (let k = 0; k < parts.length && budget > 0; k++) {
    const { infos, quoted } = segs ? segs[k] : segmentWords(parts[k]);
    if (!infos.length) continue;
    let keyText = '§';
    const tokens: Token[] = [];
    for (let i = 0; i < infos.length; i++) {
      const info = infos[i];
      keyText += i ? ` ${info.key}` : info.key;
      for (const p of info.pieces) {
        const written = caseless || i === 0 || !p.initial ? null : p.initial === 2 ? 'upper' : 'lower';
        tokens.push({ term: p.term, word: p.word, written, quoted: quoted[i], num: p.num });
      }
      // A small number after a capitalized word finishes a name ("Channel 4", "Windows 11"):
      // the number alone says nothing, the pair says which channel.
      if (i > 0 && info.smallNumber && infos[i - 1].initial === 2) {
        const last = infos[i - 1].pieces[infos[i - 1].pieces.length - 1];
        if (last && !last.num) {
          const word = `${last.word} ${info.raw}`;
          tokens.push({ term: fnv1a(word), word, written: null, quoted: quoted[i], num: false });
        }
      }
    }
    budget -= tokens.length;
    out.push({ field, key: fnv1a(keyText), tokens });
  }
}

const QUOTE = new Set(['"', "'", '“', '”', '«', '»']);
const OPENS_AFTER = /[\s([—–-]/u;
const CLOSES_BEFORE = /[\s,.;:!?)\]—–-]/u;

/**
 * A text cut into [chunk, inside quotation marks] runs. A quote mark opens after a space (or
 * the start) before a letter or digit, and closes after a letter, digit or stop before a space,
 * punctuation or the end; an apostrophe inside a word ("Musk's") does neither.
 */
export function quotedChunks(text: string): Array<[string, boolean]> {
  if (!/["'“”«»]/.test(text)) return [[text, false]];
  const out: Array<[string, boolean]> = [];
  let from = 0;
  let open = false;
  for (let i = 0; i < text.length; i++) {
    if (!QUOTE.has(text[i])) continue;
    const before = i === 0 ? ' ' : text[i - 1];
    const after = i + 1 >= text.length ? ' ' : text[i + 1];
    if (!open && OPENS_AFTER.test(before) && /[\p{L}\p{N}]/u.test(after)) {
      out.push([text.slice(from, i), false]);
      from = i + 1;
      open = true;
    } else if (open && /[\p{L}\p{N}.!?]/u.test(before) && CLOSES_BEFORE.test(after)) {
      out.push([text.slice(from, i), true]);
      from = i + 1;
      open = false;
    }
  }
  out.push([text.slice(from), false]);
  return out.filter(([t]) => t.trim());
}

/** A headline in Title Case ("Elon Musk Joins Twitter Board") tells names from common words by nothing. */
function isTitleCase(parts: WordInfo[][]): boolean {
  let upper = 0;
  let all = 0;
  for (const ws of parts) {
    ws.forEach((w, i) => {
      if (i === 0 || !w.initial || w.function) return;
      all++;
      if (w.initial === 2) upper++;
    });
  }
  return all > 0 && upper / all >= 0.6;
}

/** The years a headline names (1900-2099), sorted. */
export function yearsOf(title: string): number[] {
  const out = new Set<number>();
  for (const m of title.matchAll(/(?<![\d.,])(19|20)\d\d(?![\d.,]\d)/g)) out.add(Number(m[0]));
  return [...out].sort((a, b) => a - b);
}

/** Id of the adjacent pair (a, b): a name or set phrase ("elon musk", "security council"). */
export function pairTerm(a: number, b: number): number {
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b) ^ 0x5bd1e995) >>> 0;
}
