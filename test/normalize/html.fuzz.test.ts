/**
 * The sanitizer against two independent judges (test/support/html-oracles.ts):
 * parse5 (mutation-XSS fixed point, and an allow-listed tree) and js-xss
 * (nothing left to remove). Inputs here: the 150 XSS vectors of the browser
 * test and generated hostile fragments (test/support/fuzz.ts); every summary
 * and content of ../shared/corpus goes through the same judges in
 * test/corpus/differential.test.ts (`npm run test:corpus`). `npm run fuzz`
 * runs more generated inputs (FUZZ_SCALE).
 */
import { describe, expect, it } from 'vitest';
import { sanitizeHtml } from '../../src/normalize/html';
import { XSS_VECTORS } from '../browser/xss-vectors';
import { FUZZ_SCALE, FUZZ_TIMEOUT, fuzz, genHtml, minimize, seedFor } from '../support/fuzz';
import { mxssViolation, sanitizerViolation, treeViolation, xssFindings } from '../support/html-oracles';

const OPTS = { base: 'https://example.test/dir/page.html' };
/** Generated fragments per run of `npm test`; `npm run fuzz` multiplies it. */
const GENERATED = 10_000 * FUZZ_SCALE;

const check = (s: string) => sanitizerViolation(s, OPTS);

describe('sanitizer: mutation-XSS fixed point under parse5, and js-xss finds nothing', () => {
  it('holds for the 150 XSS vectors', () => {
    expect(XSS_VECTORS.length).toBe(150);
    const bad = XSS_VECTORS.filter((v) => check(v.html) !== null)
      .map((v) => `${v.name}: ${check(v.html)}\n    minimized: ${JSON.stringify(minimize(v.html, (s) => check(s) !== null))}`);
    expect(bad).toEqual([]);
  });

  it(`holds for ${GENERATED} generated hostile fragments`, () => {
    const { ran, failures } = fuzz(GENERATED, seedFor('sanitizer'), (r) => genHtml(r), check);
    console.log(`sanitizer fuzz: ${ran} generated fragments, ${failures.length} failures`);
    expect(ran).toBe(GENERATED);
    expect(failures).toEqual([]);
  }, FUZZ_TIMEOUT);

  it('the judges can fail: they catch what a naive sanitizer lets through', () => {
    // Mutation XSS: a naive filter sees a <p> with a title; a browser sees an <img> with a handler.
    expect(treeViolation('<noscript><p title="</noscript><img src=https://x.test/a onerror=alert(1)>">')).toMatch(/noscript|onerror/);
    expect(xssFindings('<a href="javascript:alert(1)">x</a>')).toMatch(/judged unsafe/);
    expect(xssFindings('<p onclick="x()">y</p>')).toMatch(/attribute onclick/);
    expect(treeViolation('<a href="/relative">x</a>')).toMatch(/not an absolute http/);
    // Output a browser nests differently from how it was written is no fixed point.
    expect(mxssViolation('', OPTS, '<table><tr><td>x</td></tr></table>')).toMatch(/not a fixed point/);
    expect(mxssViolation('', OPTS, '<p>a<li>b</li></p>')).toMatch(/not a fixed point/);
    expect(mxssViolation('', OPTS, '<table><tbody><tr><td>x</td></tr></tbody></table>')).toBeNull();
  });
});

describe('sanitizer: regressions the judges found (each was a failure before its fix)', () => {
  const out = (s: string) => sanitizeHtml(s, OPTS).html;

  it.each([
    // Table structure: a browser implies <tbody>, moves stray content out of tables, ignores parts outside them.
    ['<table><tr><td>a</td></tr></table>', '<table><tbody><tr><td>a</td></tr></tbody></table>'],
    ['<td>cell</td> outside', 'cell outside'],
    ['<tfoot>', ''],
    ['<table><tr>text</tr></table>', '<table><tbody><tr><td>text</td></tr></tbody></table>'],
    ['<table><tr><td>a<tr><td>b</table>', '<table><tbody><tr><td>a</td></tr><tr><td>b</td></tr></tbody></table>'],
    ['<table><td>a<caption>c</caption></table>', '<table><tbody><tr><td>a</td></tr></tbody><caption>c</caption></table>'],
    ['<table><col><p>x</table>', '<table><colgroup><col></colgroup><tbody><tr><td><p>x</p></td></tr></tbody></table>'],
    // Lists and paragraphs: <li> closes an open <p> and reaches through <div> to the open <li>.
    ['<p>a<li>b', '<p>a</p><li>b</li>'],
    ['<li>a<div><li>b', '<li>a<div></div></li><li>b</li>'],
    ['<dt>a<div><dd>b', '<dt>a<div></div></dt><dd>b</dd>'],
    // A link inside a link is closed first, even through a <div>.
    ['<a href="/1">a<div><a href="/2">b</a></div></a>', '<a href="https://example.test/1" rel="noopener noreferrer">a<div></div></a><a href="https://example.test/2" rel="noopener noreferrer">b</a>'],
    // Ruby text closes only what a browser closes.
    ['<ruby>a<rt>b<span><rt>c</ruby>', '<ruby>a<rt>b<span><rt>c</rt></span></rt></ruby>'],
    // A newline right after <pre> is dropped by a browser and never serialized back.
    ['<pre>\n\nfoo</pre>', '<pre>foo</pre>'],
    ['<pre><!-- c -->\nfoo</pre>', '<pre>foo</pre>'],
    // CR (also from &#13;) and U+0000 cannot survive a browser's input stream; C0 controls are not XML.
    ['a&#13;b\r\nc', 'a\nb\nc'],
    ['a\u0000b<p title="x\u0000y\u0001">c</p>', 'ab<p title="x\ufffdy">c</p>'],
    // Mojibake repair is idempotent: a repaired character completing another run is repaired too.
    ['\u00c2\u00c2\u00a9', '\u00a9'],
    // The output is trimmed after repair, so a repaired space at the end does not come back.
    ['x\u00e2\u20ac\u2026', 'x'],
  ])('%j', (input, expected) => {
    expect(out(input)).toBe(expected);
    expect(check(input)).toBeNull();
  });

  it('lowercases a mailto: scheme, which js-xss only accepts in lower case', () => {
    expect(out('<a href="MAILTO:a@b.test">m</a>')).toBe('<a href="mailto:a@b.test" rel="noopener noreferrer">m</a>');
  });

  it('stops nesting at 256 open elements, as a browser stops at 512', () => {
    const deep = `${'<span>'.repeat(1000)}x`;
    const html = out(deep);
    expect(html.match(/<span>/g)!.length).toBeLessThanOrEqual(256);
    expect(check(deep)).toBeNull();
  });

  it('cuts at maxHtmlChars with every open tag closed, and the cut is a fixed point', () => {
    const long = `<div><p>${'<b>bold</b> text '.repeat(500)}</p></div>`;
    const r = sanitizeHtml(long, { ...OPTS, maxHtmlChars: 300 });
    expect(r.html.length).toBeLessThanOrEqual(300);
    expect(r.truncated).toBe(true);
    expect(r.html).toMatch(/…(?:<\/b>)?<\/p><\/div>$/);
    expect(mxssViolation(r.html, OPTS)).toBeNull();
  });
});

describe('sanitizer: the HTML budget, on generated input', () => {
  it(`never writes more than maxHtmlChars, and what it writes is a fixed point (${1000 * FUZZ_SCALE} fragments, budgets of 0-400)`, () => {
    const { ran, failures } = fuzz(1000 * FUZZ_SCALE, seedFor('sanitizer-budget'), (r) => `${r.int(400)}|${genHtml(r)}`, (s) => {
      const bar = s.indexOf('|');
      const budget = Number(s.slice(0, bar));
      const r = sanitizeHtml(s.slice(bar + 1), { ...OPTS, maxHtmlChars: budget });
      if (r.html.length > Math.max(budget, 1)) return `${r.html.length} characters for a budget of ${budget}`;
      return mxssViolation('', OPTS, r.html);
    });
    expect(failures).toEqual([]);
    expect(ran).toBe(1000 * FUZZ_SCALE);
  }, FUZZ_TIMEOUT);
});

describe('sanitizer: regressions npm run fuzz found (seed 424242)', () => {
  it.each([
    ['<table><tfoot>', 26],
    ['<sup><table><tr>', 60],
    ['<table><tr><td>a</td><td>b', 70],
  ])('an ellipsis cut into a table (%j, budget %i) stays where it was written', (html, budget) => {
    const r = sanitizeHtml(html, { ...OPTS, maxHtmlChars: budget });
    expect(r.html.length).toBeLessThanOrEqual(budget);
    expect(mxssViolation('', OPTS, r.html)).toBeNull();
  });
});
