/**
 * Where a browser puts each element the sanitizer writes: the part of HTML
 * tree construction (HTML §13.2.6.4.7 "in body" and §13.2.6.4.9-15, the table
 * modes) that decides, for the elements on our allow-list, what an element
 * closes when it opens, when a browser ignores a tag, and what an end tag
 * closes.
 *
 * Why it matters: the sanitizer's output is a string a browser parses again.
 * If the browser would nest it differently from how the sanitizer wrote it
 * (a `<li>` that closes the `<p>` it was written in, a `<tr>` straight inside
 * a `<table>` that gets an implied `<tbody>`, a `<td>` outside any table that
 * is dropped), the output is not what was checked, which is where mutation
 * XSS lives. So the sanitizer asks this module before it writes each tag and
 * each text, and performs the closes and opens itself, explicitly: the output
 * is then well nested, and a browser reads it back exactly as written
 * (checked against parse5 by test/normalize/html.fuzz.test.ts).
 *
 * DIFF: content a browser would move out of a table ("foster parenting",
 * §13.2.6.1) is put in a cell of its own instead (implied `<tbody>`, `<tr>`,
 * `<td>`): it stays where the feed wrote it, and nothing is moved behind the
 * sanitizer's back.
 */

/** How the tree is changed: the sanitizer writes the tags these stand for. */
export interface TreeWriter {
  /** Close every open element from the top down to index `i` (inclusive), writing end tags. */
  closeTo(i: number): void;
  /** Open an element the browser would have implied (a table wrapper); false when too deep. */
  openImplied(tag: string): boolean;
}

/** Most open elements the output may have. Blink's parser stops nesting at 512 (kMaximumHTMLParserDOMTreeDepth). */
export const MAX_OPEN_ELEMENTS = 256;

/** Current nodes in which text and non-table elements would be foster-parented. */
const TABLE_MODE = new Set(['table', 'tbody', 'thead', 'tfoot', 'tr']);
/** Those, and a column group: the current nodes whose content a table mode decides. */
const TABLE_CONTEXT = new Set([...TABLE_MODE, 'colgroup']);
const SECTION = new Set(['tbody', 'thead', 'tfoot']);
/** Ignored by a browser outside a table ("in body": caption, col, colgroup, tbody, td, tfoot, th, thead, tr). */
const TABLE_PART = new Set(['caption', 'colgroup', 'col', 'tbody', 'thead', 'tfoot', 'tr', 'td', 'th']);
/** "has an element in scope" stops at these (those of the standard's list we can have open). */
const SCOPE = new Set(['caption', 'table', 'td', 'th']);
const LIST_ITEM_SCOPE = new Set([...SCOPE, 'ol', 'ul']);
/** The "special" category (§13.2.4.3), restricted to elements on our allow-list that can be open. */
const SPECIAL = new Set(['address', 'article', 'aside', 'blockquote', 'caption', 'colgroup', 'dd', 'details', 'div', 'dl', 'dt',
  'figcaption', 'figure', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'li', 'ol', 'p', 'pre', 'section', 'summary',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul']);
/** Start tags that "close a p element" in button scope first. */
const CLOSES_P = new Set(['address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'figcaption', 'figure', 'footer',
  'header', 'ol', 'p', 'section', 'summary', 'ul', 'pre', 'table', 'hr', 'li', 'dd', 'dt', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const HEADING = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** "generate implied end tags", for the elements we can have open. */
const IMPLIED_END = new Set(['dd', 'dt', 'li', 'p', 'rp', 'rt']);

const TABLE_SCOPE = new Set(['table']);
const NO_SCOPE = new Set<string>();

const top = (open: string[]) => open[open.length - 1];

function indexInScope(open: string[], name: string, scope: ReadonlySet<string>): number {
  for (let i = open.length - 1; i >= 0; i--) {
    const o = open[i];
    if (o === name) return i;
    if (scope.has(o)) return -1;
  }
  return -1;
}

function indexOfAnyInScope(open: string[], names: ReadonlySet<string>, scope: ReadonlySet<string>): number {
  for (let i = open.length - 1; i >= 0; i--) {
    const o = open[i];
    if (names.has(o)) return i;
    if (scope.has(o)) return -1;
  }
  return -1;
}

/** "close a p element" if one is in (button) scope. */
function closeP(open: string[], w: TreeWriter): void {
  const i = indexInScope(open, 'p', SCOPE);
  if (i >= 0) w.closeTo(i);
}

/** The <li>, <dd>, <dt> loop: close the nearest such item unless a special element other than address, div, p is in the way. */
function closeListItem(open: string[], targets: ReadonlySet<string> | string, w: TreeWriter): void {
  for (let i = open.length - 1; i >= 0; i--) {
    const o = open[i];
    if (typeof targets === 'string' ? o === targets : targets.has(o)) {
      w.closeTo(i);
      return;
    }
    if (SPECIAL.has(o) && o !== 'address' && o !== 'div' && o !== 'p') return;
  }
}

const DD_DT = new Set(['dd', 'dt']);
const CELL_OR_CAPTION = new Set(['td', 'th', 'caption']);

/**
 * In a table mode (the current node is table, a section, a row or a colgroup): make `tag` fit.
 * Returns 'ok' when it can be written now, 'again' after the stack changed, 'ignore' when it cannot.
 */
function fitInTable(tag: string, cur: string, open: string[], w: TreeWriter): 'ok' | 'again' | 'ignore' {
  const i = open.length - 1;
  if (cur === 'colgroup') {
    if (tag === 'col') return 'ok';
    w.closeTo(i);
    return 'again';
  }
  if (cur === 'table') {
    if (tag === 'caption' || tag === 'colgroup' || SECTION.has(tag)) return 'ok';
    return w.openImplied(tag === 'col' ? 'colgroup' : 'tbody') ? 'again' : 'ignore';
  }
  if (SECTION.has(cur)) {
    if (tag === 'tr') return 'ok';
    if (TABLE_PART.has(tag) && tag !== 'td' && tag !== 'th') {
      w.closeTo(i);
      return 'again';
    }
    return w.openImplied('tr') ? 'again' : 'ignore';
  }
  // cur === 'tr'
  if (tag === 'td' || tag === 'th') return 'ok';
  if (TABLE_PART.has(tag)) {
    w.closeTo(i);
    return 'again';
  }
  return w.openImplied('td') ? 'again' : 'ignore';
}

/** What a start tag does to the tree, as bits (tagKind computes them once per name). */
const PART = 1;
const CLOSER = 2;
const ANCHOR = 4;
const RUBY_TEXT = 8;
const LIST_ITEM = 16;
const DEF_ITEM = 32;
const HEAD = 64;

/** The bits placeStartTag needs for a tag name; 0 for a tag that simply opens where it is. */
export function tagKind(tag: string): number {
  return (TABLE_PART.has(tag) ? PART : 0) | (CLOSES_P.has(tag) ? CLOSER : 0) | (tag === 'a' ? ANCHOR : 0) |
    (tag === 'rt' || tag === 'rp' ? RUBY_TEXT : 0) | (tag === 'li' ? LIST_ITEM : 0) | (tag === 'dd' || tag === 'dt' ? DEF_ITEM : 0) |
    (HEADING.has(tag) ? HEAD : 0);
}

/**
 * Make the open elements ready for a start tag of `tag` (`kind` = tagKind(tag)), as a browser
 * would: implied closes and table wrappers are written through `w`. `inTable` says whether any
 * <table> is open (without one, no table mode can apply). Returns false when a browser would
 * ignore the tag here.
 */
export function placeStartTag(tag: string, kind: number, open: string[], w: TreeWriter, inTable: boolean): boolean {
  if (inTable) {
    for (;;) {
      const cur = open[open.length - 1];
      if (cur !== undefined && TABLE_CONTEXT.has(cur)) {
        const fit = fitInTable(tag, cur, open, w);
        if (fit === 'again') continue;
        return fit === 'ok';
      }
      if (!(kind & PART)) break;
      // In a cell or caption: close it and try again in the row or table.
      const i = indexOfAnyInScope(open, CELL_OR_CAPTION, TABLE_SCOPE);
      if (i < 0) return false;
      w.closeTo(i);
    }
  } else if (kind & PART) {
    return false; // outside tables a browser ignores table parts
  }
  if (kind & ANCHOR) {
    // An <a> inside an open <a> (up to the last marker: td, th, caption) is closed first.
    const i = indexInScope(open, 'a', CELL_OR_CAPTION);
    if (i >= 0) w.closeTo(i);
  } else if (kind & RUBY_TEXT) {
    if (indexInScope(open, 'ruby', SCOPE) >= 0) while (IMPLIED_END.has(top(open))) w.closeTo(open.length - 1);
  }
  if (!(kind & CLOSER)) return true;
  if (kind & LIST_ITEM) closeListItem(open, 'li', w);
  else if (kind & DEF_ITEM) closeListItem(open, DD_DT, w);
  closeP(open, w);
  if (kind & HEAD && HEADING.has(top(open))) w.closeTo(open.length - 1);
  return true;
}

/** Whitespace as HTML's tree builder counts it (tab, LF, FF, CR, space). */
const BLANK = /^[\t\n\f\r ]*$/;

/** Make the open elements ready for text; false when it cannot be placed (too deep). */
export function placeText(text: string, open: string[], w: TreeWriter): boolean {
  for (;;) {
    const cur = top(open);
    if (cur === undefined || !TABLE_CONTEXT.has(cur) || BLANK.test(text)) return true;
    if (cur === 'colgroup') w.closeTo(open.length - 1);
    else if (!w.openImplied(cur === 'table' ? 'tbody' : SECTION.has(cur) ? 'tr' : 'td')) return false;
  }
}

/** The index of the open element an end tag `</name>` closes, or -1 when a browser ignores it. */
export function endTagTarget(name: string, open: string[]): number {
  if (name === 'table' || TABLE_PART.has(name)) return indexInScope(open, name, name === 'table' ? NO_SCOPE : TABLE_SCOPE);
  if (HEADING.has(name)) return indexOfAnyInScope(open, HEADING, SCOPE);
  return indexInScope(open, name, name === 'li' ? LIST_ITEM_SCOPE : SCOPE);
}
