/**
 * `tokenizeHtml` next to parse5's tokenizer (a conforming WHATWG tokenizer),
 * as token streams that can be compared: start tags (name, attributes,
 * self-closing flag), end tags and text, adjacent text merged.
 *
 * parse5's tokenizer alone does not know which elements hold raw text: its
 * tree builder switches the state after `<script>`, `<style>`... This harness
 * does the same switch for the same elements (HTML §13.2.6.2, §13.2.6.4.7)
 * and drops U+0000 in the data state, as the tree builder does "in body".
 * Comments and DOCTYPEs are not compared (nothing we do reads them).
 */
import { Tokenizer, TokenizerMode, type Token } from 'parse5';
import { tokenizeHtml } from '../../src/normalize/tokenize';

export type Tok = ['text', string] | ['start', string, string, boolean] | ['end', string];

function push(out: Tok[], t: Tok): void {
  const last = out[out.length - 1];
  if (t[0] === 'text' && last?.[0] === 'text') last[1] += t[1];
  else if (t[0] !== 'text' || t[1] !== '') out.push(t);
}

const attrsKey = (attrs: Array<[string, string]>) => attrs.map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(' ');

export function ours(s: string): Tok[] {
  const out: Tok[] = [];
  tokenizeHtml(s, {
    text: (t) => push(out, ['text', t]),
    startTag: (name, attrs, selfClosing) => push(out, ['start', name, attrsKey(attrs), selfClosing]),
    endTag: (name) => push(out, ['end', name]),
  });
  return out;
}

const MODE_AFTER: Record<string, number> = {
  script: TokenizerMode.SCRIPT_DATA, style: TokenizerMode.RAWTEXT, xmp: TokenizerMode.RAWTEXT, iframe: TokenizerMode.RAWTEXT,
  noembed: TokenizerMode.RAWTEXT, noframes: TokenizerMode.RAWTEXT, title: TokenizerMode.RCDATA, textarea: TokenizerMode.RCDATA,
  plaintext: TokenizerMode.PLAINTEXT,
};

export function theirs(s: string): Tok[] {
  const out: Tok[] = [];
  const tok: Tokenizer = new Tokenizer({}, {
    onComment() {},
    onDoctype() {},
    onEof() {},
    onStartTag(t: Token.TagToken) {
      push(out, ['start', t.tagName, attrsKey(t.attrs.map((a) => [a.name, a.value])), t.selfClosing]);
      const mode = MODE_AFTER[t.tagName];
      if (mode !== undefined) tok.state = mode;
    },
    onEndTag: (t: Token.TagToken) => push(out, ['end', t.tagName]),
    onCharacter: (t: Token.CharacterToken) => push(out, ['text', t.chars]),
    onWhitespaceCharacter: (t: Token.CharacterToken) => push(out, ['text', t.chars]),
    onNullCharacter() {}, // "in body": a U+0000 character token is ignored
  });
  tok.write(s, true);
  return out;
}

/** Inputs that reach a documented difference (tokenize.ts: DIFF noscript, foreign content) are not compared. */
export const DELIBERATE = /<(?:noscript|svg|math)[\s/>]/i;

export function disagreement(s: string): string | null {
  if (DELIBERATE.test(s)) return null;
  const a = JSON.stringify(ours(s));
  const b = JSON.stringify(theirs(s));
  return a === b ? null : `tokens differ:\n      ours   ${a.slice(0, 500)}\n      parse5 ${b.slice(0, 500)}`;
}
