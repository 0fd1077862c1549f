/**
 * A small HTML tokenizer for feed fragments, following the WHATWG HTML
 * tokenization states (HTML Living Standard §13.2.5) closely enough for a
 * sanitizer and a text extractor: start and end tags with attributes (quoted,
 * unquoted, valueless; the first of a repeated name wins), comments (`-->`,
 * `--!>`, and the abrupt `<!-->`), bogus comments (`<?...>`, `<!x...>`,
 * `</ x>`; CDATA is one outside SVG/MathML), raw text in script (with its
 * escaped and double-escaped states), style, xmp, iframe, noembed, noframes
 * (§13.1.2.1), RCDATA in title and textarea, and plaintext to the end. The
 * input stream is preprocessed as §13.2.3.5 says (CR and CRLF become LF), and
 * U+0000 is dropped from text (as the tree builder does "in body") and
 * replaced by U+FFFD everywhere else. Character references are decoded with
 * the `entities` package, whose tables are the standard's (legacy names
 * without ';' in text, not before [=A-Za-z0-9] in attribute values, §13.2.5.73).
 *
 * test/normalize/tokenize.fuzz.test.ts checks it against parse5's tokenizer on
 * generated hostile input and the corpus, and names the two deliberate
 * differences (DIFF below: noscript, and foreign content).
 *
 * Why not htmlparser2's Tokenizer: it walks every character through a state
 * machine; this one jumps between '<' with indexOf, which made sanitizing
 * about twice as fast on the real corpus (README, "Parsing and normalization").
 * Safety does not depend on it matching a browser exactly: the sanitizer
 * writes only allow-listed names and escapes every text and value it writes.
 */
import { decodeHTML, decodeHTMLAttribute } from 'entities';

export interface TokenHandler {
  /** Decoded text. Return false to stop tokenizing. */
  text(text: string): boolean | void;
  /**
   * `name` is lowercased; attribute names too. `attrs` is reused for the next tag:
   * read it during the call, don't keep it.
   */
  startTag(name: string, attrs: Array<[string, string]>, selfClosing: boolean): boolean | void;
  endTag(name: string): boolean | void;
}

/**
 * RAWTEXT and RCDATA elements (§13.2.6.2): their content is text up to their own end tag.
 * DIFF: `noscript` is not among them. A browser with scripting on reads its content as raw
 * text; we read it as markup, the scripting-off reading, because feeds put the real `<img>` of
 * a lazy-loaded picture there. The sanitizer never writes a `<noscript>`, so its output is read
 * the same way by both.
 */
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes']);
const RCDATA = new Set(['title', 'textarea']);

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 12 || c === 13;
const isAlpha = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/** Whether the input being tokenized holds U+0000 (checked once per call; almost never). Handlers never tokenize re-entrantly. */
let hasNul = false;

/** Text in the data state: U+0000 is dropped ("in body", §13.2.6.4.7), references decoded. */
function dataText(s: string): string {
  if (hasNul) s = s.replace(/\0/g, '');
  return s.indexOf('&') < 0 ? s : decodeHTML(s);
}

/** RCDATA text: references decoded (U+0000 is handled by noNul). */
const decodeText = (s: string) => (s.indexOf('&') < 0 ? s : decodeHTML(s));

/** U+0000 anywhere but in the data state is U+FFFD (§13.2.5: unexpected-null-character). */
const noNul = (s: string) => (hasNul ? s.replace(/\0/g, '\ufffd') : s);

/**
 * Tag and attribute names are lowercased in ASCII only (§13.2.5.8): toLowerCase() would also
 * turn U+212A KELVIN SIGN into "k", a name a browser never sees.
 */
function lowerName(s: string): string {
  const lower = s.toLowerCase();
  if (lower !== s && NON_ASCII.test(s)) return asciiLower(s);
  return hasNul ? noNul(lower) : lower;
}

const NON_ASCII = /[^\0-\x7f]/;
const asciiLower = (s: string) => noNul(s.replace(/[A-Z]+/g, (m) => m.toLowerCase()));

/** Whether `</name` followed by space, '/' or '>' starts at `i` (an "appropriate end tag", §13.2.5.11). */
function isEndTagOf(s: string, i: number, name: string): boolean {
  const after = i + 2 + name.length;
  if (after >= s.length || s.charCodeAt(i) !== 60 || s.charCodeAt(i + 1) !== 47) return false; // at EOF "</name" is text
  if (lowerName(s.slice(i + 2, after)) !== name) return false;
  const c = s.charCodeAt(after);
  return isSpace(c) || c === 47 || c === 62;
}

/** Where the end tag `</name` starts, at or after `from`; -1 if none. */
function findEndTag(s: string, name: string, from: number): number {
  for (let i = s.indexOf('</', from); i >= 0; i = s.indexOf('</', i + 2)) if (isEndTagOf(s, i, name)) return i;
  return -1;
}

/** `<script` or `</script` followed by space, '/' or '>' at `i`: the double-escape switch (§13.2.5.27, .33). */
function scriptWordAt(s: string, i: number): boolean {
  if (s.length < i + 7 || lowerName(s.slice(i, i + 6)) !== 'script') return false;
  const c = s.charCodeAt(i + 6);
  return isSpace(c) || c === 47 || c === 62;
}

/**
 * Where a script's end tag starts, at or after `from` (-1 if none), through the script data
 * escaped and double-escaped states (§13.2.5.15-33): after `<!--`, a `<script>` makes a
 * following `</script>` part of the text, until `-->` or the matching `</script>`.
 */
function findScriptEnd(s: string, from: number): number {
  const n = s.length;
  let escaped = false;
  let double = false;
  let i = from;
  while (i < n) {
    if (!escaped) {
      const lt = s.indexOf('<', i);
      if (lt < 0) return -1;
      if (isEndTagOf(s, lt, 'script')) return lt;
      if (s.startsWith('<!--', lt)) {
        escaped = true;
        i = lt + 4;
        // "<!-->" and "<!--->" leave the escape at once (escaped dash dash state, then '>').
        while (s.charCodeAt(i) === 45) i++;
        if (s.charCodeAt(i) === 62) {
          escaped = false;
          i++;
        }
        continue;
      }
      i = lt + 1;
      continue;
    }
    const c = s.charCodeAt(i);
    if (c === 45 && s.startsWith('-->', i)) {
      // "-->" (after any number of dashes) ends the escape, double or not.
      escaped = double = false;
      i += 3;
      continue;
    }
    if (c === 60 /* < */) {
      if (!double && isEndTagOf(s, i, 'script')) return i;
      if (!double && scriptWordAt(s, i + 1)) {
        double = true;
        i += 7;
        continue;
      }
      if (double && s.charCodeAt(i + 1) === 47 && scriptWordAt(s, i + 2)) {
        double = false;
        i += 8;
        continue;
      }
    }
    i++;
  }
  return -1;
}

/**
 * Read the attributes of a tag from `i` (just after its name) to its '>'.
 * Returns the index after '>' or -1 when the input ends inside the tag (§13.2.5.32: EOF in a tag
 * drops the tag).
 */
function readAttrs(s: string, i: number, attrs: Array<[string, string]> | null): { end: number; selfClosing: boolean } {
  const n = s.length;
  let selfClosing = false;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 62 /* > */) return { end: i + 1, selfClosing };
    if (c === 47 /* / */) {
      selfClosing = s.charCodeAt(i + 1) === 62;
      i++;
      continue;
    }
    selfClosing = false;
    // Attribute name (§13.2.5.33): up to space, '/', '>' or '=' (an '=' first is part of the name).
    const ns = i;
    i++;
    while (i < n) {
      c = s.charCodeAt(i);
      if (isSpace(c) || c === 47 || c === 62 || c === 61) break;
      i++;
    }
    const name = lowerName(s.slice(ns, i));
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    let value = '';
    if (s.charCodeAt(i) === 61 /* = */) {
      i++;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      const q = s.charCodeAt(i);
      if (q === 34 || q === 39) {
        const end = s.indexOf(q === 34 ? '"' : "'", i + 1);
        if (end < 0) return { end: -1, selfClosing };
        value = s.slice(i + 1, end);
        i = end + 1;
      } else {
        const vs = i;
        while (i < n) {
          c = s.charCodeAt(i);
          if (isSpace(c) || c === 62) break;
          i++;
        }
        value = s.slice(vs, i);
      }
    }
    if (attrs && !hasAttr(attrs, name)) attrs.push([name, noNul(value.indexOf('&') < 0 ? value : decodeHTMLAttribute(value))]);
  }
  return { end: -1, selfClosing };
}

/** Names of the tag's attributes once it has many (a linear scan per attribute would be quadratic). */
const seenNames = new Set<string>();

function hasAttr(attrs: Array<[string, string]>, name: string): boolean {
  if (attrs.length < 16) {
    for (let k = 0; k < attrs.length; k++) if (attrs[k][0] === name) return true;
    return false;
  }
  if (attrs.length === 16) {
    // Crossing to the set: fill it from this tag's names (it may hold another tag's).
    seenNames.clear();
    for (const [a] of attrs) seenNames.add(a);
  }
  if (seenNames.has(name)) return true;
  seenNames.add(name); // the caller pushes it next
  return false;
}

/** The end of a tag name that starts at `from` (§13.2.5.8: up to space, '/' or '>'). */
function nameEnd(s: string, from: number): number {
  let j = from;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (isSpace(d) || d === 47 || d === 62) break;
    j++;
  }
  return j;
}

/**
 * After a raw-text or RCDATA start tag at `i`: its content as one text, then its end tag.
 * Returns where to go on, or -1 when the input (or the handler) ends it.
 */
function rawContent(s: string, i: number, name: string, h: TokenHandler): number {
  const raw = RAW_TEXT.has(name);
  const close = name === 'script' ? findScriptEnd(s, i) : findEndTag(s, name, i);
  const body = s.slice(i, close < 0 ? s.length : close);
  if (body && h.text(raw ? noNul(body) : noNul(decodeText(body))) === false) return -1;
  if (close < 0) return -1;
  const after = readAttrs(s, close + 2 + name.length, null);
  if (after.end < 0) return -1; // an end tag cut off by the end of input is no end tag
  if (h.endTag(name) === false) return -1;
  return after.end;
}

export function tokenizeHtml(input: string, h: TokenHandler): void {
  // §13.2.3.5: the input stream normalizes newlines before the tokenizer sees it.
  const s = input.indexOf('\r') < 0 ? input : input.replace(/\r\n?/g, '\n');
  hasNul = s.indexOf('\0') >= 0;
  const attrs: Array<[string, string]> = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const lt = s.indexOf('<', i);
    if (lt < 0) {
      h.text(dataText(s.slice(i)));
      return;
    }
    if (lt > i && h.text(dataText(s.slice(i, lt))) === false) return;
    const c = s.charCodeAt(lt + 1);
    if (isAlpha(c)) {
      const j = nameEnd(s, lt + 2);
      const name = lowerName(s.slice(lt + 1, j));
      attrs.length = 0;
      const { end, selfClosing } = readAttrs(s, j, attrs);
      if (end < 0) return;
      if (h.startTag(name, attrs, selfClosing) === false) return;
      i = end;
      if (name === 'plaintext') {
        if (i < n) h.text(noNul(s.slice(i)));
        return;
      }
      if (RAW_TEXT.has(name) || RCDATA.has(name)) {
        i = rawContent(s, i, name, h);
        if (i < 0) return;
      }
      continue;
    }
    if (c === 47 /* / */) {
      const d = s.charCodeAt(lt + 2);
      if (isAlpha(d)) {
        const j = nameEnd(s, lt + 3);
        const name = lowerName(s.slice(lt + 2, j));
        const { end } = readAttrs(s, j, null); // attributes on an end tag are read and ignored
        if (end < 0) return;
        if (h.endTag(name) === false) return;
        i = end;
        continue;
      }
      if (d === 62) {
        i = lt + 3; // "</>" is ignored
        continue;
      }
      if (lt + 2 >= n) {
        h.text('</'); // §13.2.5.7: EOF right after "</" emits it as text
        return;
      }
      // "</ x>": a bogus comment up to '>'.
      const end = s.indexOf('>', lt + 2);
      if (end < 0) return;
      i = end + 1;
      continue;
    }
    if (c === 33 /* ! */) {
      i = afterComment(s, lt);
      if (i < 0) return;
      continue;
    }
    if (c === 63 /* ? */) {
      const end = s.indexOf('>', lt + 2);
      if (end < 0) return;
      i = end + 1;
      continue;
    }
    // Anything else: the '<' is text.
    if (h.text('<') === false) return;
    i = lt + 1;
  }
}

/** After `<!` at `lt`: the end of a comment, a bogus comment or a DOCTYPE; -1 when the input ends first. */
function afterComment(s: string, lt: number): number {
  if (!s.startsWith('<!--', lt)) {
    const end = s.indexOf('>', lt + 2);
    return end < 0 ? -1 : end + 1;
  }
  // "<!-->" and "<!--->" close at once (§13.2.5.43-44).
  if (s.charCodeAt(lt + 4) === 62) return lt + 5;
  if (s.charCodeAt(lt + 4) === 45 && s.charCodeAt(lt + 5) === 62) return lt + 6;
  // The first "-->" or "--!>": one scan (searching for each separately would rescan to the end of
  // the input for every comment that lacks the other).
  COMMENT_END.lastIndex = lt + 4;
  const m = COMMENT_END.exec(s);
  return m ? m.index + m[0].length : -1;
}

const COMMENT_END = /--!?>/g;
