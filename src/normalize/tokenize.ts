/**
 * A small HTML tokenizer for feed fragments, following the WHATWG HTML
 * tokenization states (HTML Living Standard §13.2.5) closely enough for a
 * sanitizer and a text extractor: start and end tags with attributes (quoted,
 * unquoted, valueless; the first of a repeated name wins), comments (`-->`,
 * `--!>`, and the abrupt `<!-->`), bogus comments (`<?...>`, `<!x...>`,
 * `</ x>`; CDATA is one outside SVG/MathML), raw text in script, style, xmp,
 * iframe, noembed, noframes (§13.1.2.1), RCDATA in title and textarea, and
 * plaintext to the end. Character references are decoded with the `entities`
 * package, whose tables are the standard's (legacy names without ';' in text,
 * not before [=A-Za-z0-9] in attribute values, §13.2.5.73).
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

/** RAWTEXT and RCDATA elements (§13.2.6.2): their content is text up to their own end tag. */
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes']);
const RCDATA = new Set(['title', 'textarea']);

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 12 || c === 13;
const isAlpha = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

const decodeText = (s: string) => (s.indexOf('&') < 0 ? s : decodeHTML(s));

/** Where the end tag `</name` (followed by space, '/' or '>') starts, at or after `from`; -1 if none. */
function findEndTag(s: string, name: string, from: number): number {
  for (let i = s.indexOf('</', from); i >= 0; i = s.indexOf('</', i + 2)) {
    const after = i + 2 + name.length;
    if (after >= s.length) return -1; // §13.2.5.11: at EOF "</name" is text, not an end tag
    if (s.slice(i + 2, after).toLowerCase() === name) {
      const c = s.charCodeAt(after);
      if (isSpace(c) || c === 47 || c === 62) return i;
    }
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
    const name = s.slice(ns, i).toLowerCase();
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
    if (attrs && !hasAttr(attrs, name)) attrs.push([name, value.indexOf('&') < 0 ? value : decodeHTMLAttribute(value)]);
  }
  return { end: -1, selfClosing };
}

function hasAttr(attrs: Array<[string, string]>, name: string): boolean {
  for (let k = 0; k < attrs.length; k++) if (attrs[k][0] === name) return true;
  return false;
}

export function tokenizeHtml(s: string, h: TokenHandler): void {
  const attrs: Array<[string, string]> = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const lt = s.indexOf('<', i);
    if (lt < 0) {
      h.text(decodeText(s.slice(i)));
      return;
    }
    if (lt > i && h.text(decodeText(s.slice(i, lt))) === false) return;
    const c = s.charCodeAt(lt + 1);
    if (isAlpha(c)) {
      // Start tag: the name runs to space, '/' or '>' (§13.2.5.8).
      let j = lt + 2;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (isSpace(d) || d === 47 || d === 62) break;
        j++;
      }
      const name = s.slice(lt + 1, j).toLowerCase();
      attrs.length = 0;
      const { end, selfClosing } = readAttrs(s, j, attrs);
      if (end < 0) return;
      if (h.startTag(name, attrs, selfClosing) === false) return;
      i = end;
      if (name === 'plaintext') {
        h.text(s.slice(i));
        return;
      }
      const raw = RAW_TEXT.has(name);
      if (raw || RCDATA.has(name)) {
        const close = findEndTag(s, name, i);
        const body = s.slice(i, close < 0 ? n : close);
        if (body && h.text(raw ? body : decodeText(body)) === false) return;
        if (close < 0) return;
        const after = readAttrs(s, close + 2 + name.length, null);
        if (h.endTag(name) === false) return;
        if (after.end < 0) return;
        i = after.end;
      }
      continue;
    }
    if (c === 47 /* / */) {
      const d = s.charCodeAt(lt + 2);
      if (isAlpha(d)) {
        let j = lt + 3;
        while (j < n) {
          const e = s.charCodeAt(j);
          if (isSpace(e) || e === 47 || e === 62) break;
          j++;
        }
        const name = s.slice(lt + 2, j).toLowerCase();
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
      // "</ x>": a bogus comment up to '>'.
      const end = s.indexOf('>', lt + 2);
      if (end < 0) return;
      i = end + 1;
      continue;
    }
    if (c === 33 /* ! */) {
      if (s.startsWith('<!--', lt)) {
        // "<!-->" and "<!--->" close at once (§13.2.5.43-44).
        if (s.charCodeAt(lt + 4) === 62) {
          i = lt + 5;
          continue;
        }
        if (s.charCodeAt(lt + 4) === 45 && s.charCodeAt(lt + 5) === 62) {
          i = lt + 6;
          continue;
        }
        const a = s.indexOf('-->', lt + 4);
        const b = s.indexOf('--!>', lt + 4);
        if (a < 0 && b < 0) return;
        i = a >= 0 && (b < 0 || a < b) ? a + 3 : b + 4;
        continue;
      }
      const end = s.indexOf('>', lt + 2);
      if (end < 0) return;
      i = end + 1;
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
