/**
 * `tokenizeHtml` against parse5's tokenizer (test/support/tokenizer-oracle.ts)
 * on generated hostile fragments: the same start tags (names, attributes,
 * self-closing flag), end tags and text, in the same order. Every summary and
 * content of ../shared/corpus is compared in test/corpus/differential.test.ts.
 *
 * Where we differ on purpose (each is tested below, by name):
 *  - DIFF noscript: a browser with scripting on reads `<noscript>` content as
 *    raw text; we read it as markup (the scripting-off reading), because
 *    feeds put the real `<img>` of a lazy-loaded picture there. The sanitizer
 *    never writes a `<noscript>`, so what it outputs is read the same either way.
 *  - DIFF foreign content: inside `<svg>`/`<math>` a browser switches to the
 *    foreign-content rules (CDATA sections, `<style>` as an ordinary element,
 *    self-closing tags that do close). The tokenizer does not track the tree,
 *    so it reads them as HTML; the sanitizer drops `<svg>` and `<math>` with
 *    everything inside them, whatever the tokenizer made of it.
 */
import { describe, expect, it } from 'vitest';
import { sanitizeHtml } from '../../src/normalize/html';
import { htmlToText } from '../../src/normalize/text';
import { tokenizeHtml } from '../../src/normalize/tokenize';
import { FUZZ_SCALE, FUZZ_TIMEOUT, countSteps, fuzz, genHtml, seedFor, type Rng } from '../support/fuzz';
import { disagreement, ours, theirs } from '../support/tokenizer-oracle';

describe('tokenizeHtml agrees with parse5', () => {
  it.each([
    ['attributes: quoting, duplicates, valueless, "=" first', '<a href=x  TITLE="t" title=dup =eq b\'c=1 d/e>x</a>'],
    ['character references in text and attributes', '&amp;&notit; &notin; &copy &#x3C;<a href="?a=1&copy=2&amp;b&lt">x</a>'],
    ['comments, bogus comments, processing instructions', 'a<!-- x -->b<!-->c<!--->d<!-- y --!>e<?php x ?>f</ x>g<!x>h</>i'],
    ['raw text and RCDATA end at their own end tag only', '<style></p><b></style ><title>&amp;</b></title><textarea></textarea x>'],
    ['script data escaped and double-escaped states', '<script><!--<script></script>still</script>after'],
    ['a bare "<" and "</" are text', 'a < b <3 </ 2 <'],
    ['"</" at the very end is text', 'x</'],
    ['a tag cut off at the end is dropped', 'x<a href="y'],
    ['CR and CRLF become LF', 'a\r\nb\rc<a title="x\r\ny">'],
    ['U+0000 is dropped in text and replaced elsewhere', 'a\u0000b<a\u0000 t\u0000="v\u0000">x</a><style>\u0000</style>'],
    ['plaintext runs to the end', '<plaintext></plaintext><b>'],
    ['many attributes, repeats past the 16th (the set kicks in)', `<a ${Array.from({ length: 20 }, (_, i) => `a${i}=${i}`).join(' ')} a3=dup a17=dup A19=dup></a><b a0=x a17=y>`],
    ['non-ASCII in names: only ASCII is lowercased (U+212A KELVIN SIGN stays)', '<LIN\u212a HREF=x \u00c9T\u00c9=1>'],
  ])('%s', (_name, s) => {
    expect(ours(s)).toEqual(theirs(s));
  });

  it('DIFF noscript: its content is markup to us, raw text to a browser with scripting on', () => {
    const s = '<noscript><img src="a.jpg"></noscript>';
    expect(ours(s)).toEqual([['start', 'noscript', '', false], ['start', 'img', 'src="a.jpg"', false], ['end', 'noscript']]);
  });

  it('DIFF foreign content: CDATA inside <svg> is a bogus comment to us, text to a browser', () => {
    // A browser reads "x" as text of the <svg>; we skip "<![CDATA[x]]>" up to its '>'. The sanitizer
    // drops <svg> with its content either way.
    expect(ours('<svg><![CDATA[x]]></svg>')).toEqual([['start', 'svg', '', false], ['end', 'svg']]);
  });

  it(`agrees on ${2000 * FUZZ_SCALE} generated script bodies (escaped and double-escaped states)`, () => {
    const pieces = ['<!--', '-->', '<script>', '</script>', '<script ', '</script/', '-', '--', '<', '!', '>', 'x', '<!-', '<SCRIPT>', '</scriptx>', '</', '<scrip', '<!--->'];
    const gen = (r: Rng) => {
      let s = '<script>';
      for (let k = 1 + r.int(10); k > 0; k--) s += r.pick(pieces);
      return `${s}${r.pick(['', '</script>', '</script>tail<b>'])}`;
    };
    const { ran, failures } = fuzz(2000 * FUZZ_SCALE, seedFor('script-data'), gen, disagreement);
    expect(ran).toBe(2000 * FUZZ_SCALE);
    expect(failures).toEqual([]);
  }, FUZZ_TIMEOUT);

  it(`agrees on ${10_000 * FUZZ_SCALE} generated fragments`, () => {
    const { ran, failures } = fuzz(10_000 * FUZZ_SCALE, seedFor('tokenizer'), (r) => genHtml(r), disagreement);
    console.log(`tokenizer differential: ${ran} generated fragments, ${failures.length} failures`);
    expect(ran).toBe(10_000 * FUZZ_SCALE);
    expect(failures).toEqual([]);
  }, FUZZ_TIMEOUT);
});

describe('tokenizing, sanitizing and text extraction are linear in the input', () => {
  // A generous slope (htmlToText measured 96 steps per character on "<&" repeated, with the
  // sentence-aware block boundaries of text.ts PlainText); the doubling check below is what
  // tells linear from quadratic.
  const STEPS_PER_CHAR = 100;
  const steps = (fn: () => unknown) => countSteps(fn).steps;
  const noop = { text() {}, startTag() {}, endTag() {} };

  it.each([
    // Before the fix each comment searched for "--!>" to the end of the input (quadratic).
    ['many comments', '<!---->'.repeat(5_000)],
    // Before the fix each attribute was checked against every earlier one (quadratic, in array scans the
    // step count does not see: at this size it took the old tokenizer past the test's time limit).
    ['a tag with many attributes', `<p ${Array.from({ length: 20_000 }, (_, i) => `a${i}=v`).join(' ')}>x</p>`],
    ['deep nesting and stray end tags', `${'<div><li>'.repeat(3_000)}${'</span>'.repeat(3_000)}`],
    ['unclosed raw text and script escapes', `<script><!--${'<script>'.repeat(3_000)}`],
    ['many "<" and "&"', '<&'.repeat(10_000)],
    ['many table parts outside and inside tables', `${'<td><tr>'.repeat(2_000)}<table>${'<caption><col>x'.repeat(2_000)}`],
  ])('%s', (_name, html) => {
    const limit = STEPS_PER_CHAR * html.length + 2_000;
    expect(steps(() => tokenizeHtml(html, noop))).toBeLessThan(limit);
    expect(steps(() => sanitizeHtml(html, { base: 'https://example.test/' }))).toBeLessThan(limit);
    expect(steps(() => htmlToText(html))).toBeLessThan(limit);
    // Twice the input costs about twice the steps, never four times.
    for (const fn of [(h: string) => sanitizeHtml(h, { base: 'https://example.test/' }), (h: string) => htmlToText(h)]) {
      expect(steps(() => fn(html + html))).toBeLessThan(2.3 * steps(() => fn(html)) + 2_000);
    }
  });
});

