/**
 * Text features shared by duplicate detection and story grouping, pure:
 * tokens (lowercased, stop words out, light stemming), and the skeleton of a
 * text: the function words, numbers and names that a content farm's synonym
 * spinner leaves alone (its "immutables": DSpin, Zhang, Wang & Voelker, NDSS
 * 2014). Tokens are hashed to 32-bit ids so the state kept between runs is
 * numbers, not words.
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
  return (text.normalize('NFKC').replace(/[’‘]/g, "'").match(WORD) ?? []).map((w) => w.replace(/\.$/, ''));
}

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
