/**
 * Plain text from markup: titles and summaries arrive as HTML fragments
 * (adapt.ts escapes the plain-text ones), so turning them into text is one
 * rule everywhere: drop tags, decode entities exactly once, collapse
 * whitespace, and keep block boundaries apart (`PlainText`). tokenize.ts
 * does the tokenizing, so `a < b` and `x <3` stay text.
 */
import { decodeHTMLStrict } from 'entities';
import { tokenizeHtml } from './tokenize';

const SKIP_TEXT_IN = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'svg', 'math']);

/**
 * Block-level elements (HTML §4, "flow content" that starts a new line): where one ends and the
 * next text begins, the text gets a sentence break. Table cells only get a space.
 */
export const BLOCK_ELEMENTS = new Set([
  'p', 'div', 'br', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'hr', 'figure', 'figcaption', 'dt', 'dd',
  'table', 'caption', 'section', 'article', 'header', 'footer', 'aside', 'address', 'details', 'summary', 'ul', 'ol', 'dl',
]);
export const CELL_ELEMENTS = new Set(['td', 'th']);

/** A pending boundary: 0 none, 1 a space (table cells), 2 a sentence break (blocks). */
export type Boundary = 0 | 1 | 2;

export const boundaryOf = (tag: string): Boundary => (BLOCK_ELEMENTS.has(tag) ? 2 : CELL_ELEMENTS.has(tag) ? 1 : 0);

/** Closing quotes and brackets, set aside when looking at how a text ends. */
const CLOSERS = new Set(['"', "'", '”', '’', '»', ')', ']']);
/** Punctuation that ends a sentence or a phrase already. */
const ENDS_PHRASE = new Set([...'.!?…:;,。．！？；：、']);
const LETTER = /\p{L}/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** Scripts that end sentences with a full stop. */
const FULL_STOP_SCRIPT = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Armenian}\p{Script=Georgian}]/u;

/**
 * Whether a text (its tail, no trailing whitespace) ends in a word or number of a script written
 * with full stops, judged by its last letter. Read backwards, one character at a time.
 */
function endsInFullStopWord(tail: string): boolean {
  let i = tail.length - 1;
  while (i >= 0 && CLOSERS.has(tail[i])) i--;
  if (i < 0 || ENDS_PHRASE.has(tail[i])) return false;
  let sawWordChar = false;
  for (; i >= 0; i--) {
    // A letter outside the BMP is a surrogate pair: test the whole code point.
    const low = tail.charCodeAt(i);
    const ch = low >= 0xdc00 && low <= 0xdfff && i > 0 ? tail.slice(--i, i + 2) : tail[i];
    if (LETTER.test(ch)) return FULL_STOP_SCRIPT.test(ch);
    if (!sawWordChar && !LETTER_OR_DIGIT.test(ch)) return false;
    sawWordChar = true;
  }
  return false;
}

/**
 * Plain text built from text chunks and block boundaries. Where a block ends and more text
 * follows, it gets ". " when the text so far ends in a word (or number) of a script written with
 * full stops, judged by its last letter ("…speech at UN" then "‘Barbarians’…" read as two
 * sentences), and a space otherwise (after punctuation, in Chinese or Japanese text, between
 * table cells). Trailing whitespace is held back and the last characters are kept aside, so the
 * text built so far is never read again: building it is linear in its length.
 */
export class PlainText {
  text = '';
  /** Whitespace that ended the last chunk, written only if more text follows without a boundary. */
  private space = '';
  private pending: Boundary = 0;
  /** The last characters of the text, without trailing whitespace: all a boundary looks at. */
  private tail = '';

  get length(): number {
    return this.text.length + this.space.length;
  }

  boundary(b: Boundary): void {
    if (b > this.pending) this.pending = b;
  }

  add(chunk: string): void {
    const last = chunk.charCodeAt(chunk.length - 1);
    const body = last > 32 && last !== 0xa0 && last < 0x2000 ? chunk : chunk.trimEnd();
    if (!body) {
      if (this.text) this.space += chunk;
      return;
    }
    if (this.pending && this.text) this.text += this.pending === 2 && this.needsStop() ? '. ' : ' ';
    else this.text += this.space;
    this.pending = 0;
    this.space = chunk.slice(body.length);
    this.text += body;
    this.tail = body.length >= 40 ? body : (this.tail + body).slice(-80);
  }

  private needsStop(): boolean {
    return endsInFullStopWord(this.tail);
  }
}

/** Character references still in text after its own layer decoded it: a feed that escaped twice. */
const LEFTOVER_REF = /&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/i;

/**
 * Plain text (a title, a name) that still holds character references after its layer decoded it
 * (`&amp;#8216;` arrives as `&#8216;`) was escaped twice by its publisher: decode it once more.
 * DIFF: a title that means the literal text "&amp;" is read as "&"; feeds do not write that.
 */
export function decodeLeftoverRefs(s: string): string {
  return LEFTOVER_REF.test(s) ? decodeHTMLStrict(s) : s;
}

/**
 * Runs of whitespace (JS \s covers U+00A0, U+FEFF and the Unicode spaces; U+200B is added)
 * become one space. Single plain spaces, most of any text, are not matched at all, which
 * makes this about three times faster than replacing every run.
 */
export function collapseWhitespace(s: string): string {
  return s.replace(/(?:[^\S ]|\u200b)[\s\u200b]*| [\s\u200b]+/g, ' ').trim();
}

/**
 * Mojibake: UTF-8 text that was decoded as windows-1252 somewhere upstream and encoded again,
 * so "’" arrives as "â€™" and "é" as "Ã©". Only runs that are exactly the windows-1252 reading
 * of one valid UTF-8 sequence with lead byte C2, C3 (Latin-1 letters, no-break space) or E2
 * (punctuation: quotes, dashes, ellipsis, €, ™) are repaired; such runs do not occur in real
 * text, so nothing else is touched.
 */
const CP1252_HIGH = '\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178';
const MOJIBAKE = new RegExp(`[\u00c2\u00c3][\u0080-\u00bf${CP1252_HIGH}]|\u00e2[\u0080-\u00bf${CP1252_HIGH}]{2}`, 'g');
const BYTE_OF = new Map<string, number>();
for (let b = 0x80; b <= 0xbf; b++) BYTE_OF.set(String.fromCharCode(b), b);
// windows-1252 0x80-0x9F (WHATWG index-windows-1252), for the characters above
[0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178]
  .forEach((cp, i) => cp && BYTE_OF.set(String.fromCharCode(cp), 0x80 + i));
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function repairMojibake(s: string): string {
  if (!/[\u00c2\u00c3\u00e2]/.test(s)) return s;
  const once = s.replace(MOJIBAKE, decodeRun);
  // A repaired character can complete a run with what precedes it ("Â" + "Â©"): then reduce
  // the whole string, in one linear pass, so that repairing twice changes nothing.
  return once !== s && MOJIBAKE_ONE.test(once) ? reduceMojibake(s) : once;
}

const MOJIBAKE_ONE = new RegExp(MOJIBAKE.source);

function decodeRun(run: string): string {
  const bytes = [run.charCodeAt(0)];
  for (let i = 1; i < run.length; i++) bytes.push(BYTE_OF.get(run[i]) ?? -1);
  if (bytes.includes(-1)) return run;
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return run;
  }
}

/** Push characters on a stack and repair a run as soon as its last character is pushed. */
function reduceMojibake(s: string): string {
  const out: string[] = [];
  for (const ch of s) {
    out.push(ch);
    for (;;) {
      const n = out.length;
      const two = n >= 2 ? out[n - 2] + out[n - 1] : '';
      const three = n >= 3 ? out[n - 3] + two : '';
      const run = three && /^\u00e2/.test(three) && MOJIBAKE_WHOLE.test(three) ? three : two && MOJIBAKE_WHOLE.test(two) ? two : '';
      if (!run) break;
      out.length = n - run.length;
      out.push(decodeRun(run));
    }
  }
  return out.join('');
}

const MOJIBAKE_WHOLE = new RegExp(`^(?:${MOJIBAKE.source})$`);

/** Text content of an HTML fragment, whitespace collapsed; block boundaries are kept apart (`PlainText`). */
export function htmlToText(html: string | null | undefined, maxChars = Infinity): string {
  if (!html) return '';
  // Fast path: nothing to parse.
  if (!/[<&]/.test(html)) return truncate(collapseWhitespace(repairMojibake(html)), maxChars);
  const out = new PlainText();
  let skip = 0;
  tokenizeHtml(html, {
    text(t) {
      if (skip) return true;
      out.add(t);
      return out.length <= maxChars * 2;
    },
    startTag(name, _attrs, selfClosing) {
      if (SKIP_TEXT_IN.has(name)) {
        if (!(selfClosing && (name === 'svg' || name === 'math'))) skip++;
      } else out.boundary(boundaryOf(name));
    },
    endTag(name) {
      if (SKIP_TEXT_IN.has(name)) skip = Math.max(0, skip - 1);
      else out.boundary(boundaryOf(name));
    },
  });
  return truncate(collapseWhitespace(repairMojibake(out.text)), maxChars);
}

/** Cut at a word boundary and add an ellipsis when longer than `max` (never inside a surrogate pair). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  if (/[\ud800-\udbff]/.test(s.charAt(end - 1))) end--;
  const cut = s.slice(0, end);
  const sp = cut.lastIndexOf(' ');
  return `${(sp > max * 0.6 ? cut.slice(0, sp) : cut).trimEnd()}…`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
