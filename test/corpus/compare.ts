/**
 * How a field of Marquee's output is compared with another parser's expected
 * value. Each rule compares what we model and nothing else, and says so. HTML
 * on either side is read by parse5 (a browser-grade parser, not Marquee's own
 * tokenizer, so a tokenizer bug cannot cancel out on both sides):
 *
 *  - text (titles, names, categories): whitespace collapsed; when the other
 *    parser's value is HTML (its type says so), its text is compared: what a
 *    browser shows of it, with block boundaries as spaces, and nothing of
 *    script, style, template, noscript, title, svg and math (which Marquee
 *    drops with their content).
 *  - HTML (summaries, content): both sides are put in one canonical form:
 *    text decoded and whitespace collapsed; attributes sorted; attributes
 *    outside Marquee's allow-list dropped from the other side (we do not
 *    model `class`, `style`, `accesskey`...) and the ones our sanitizer adds
 *    by policy (`rel`, `loading`, `sandbox`, `referrerpolicy`) dropped from
 *    ours; URLs in the form WHATWG URL serializes them; elements outside the
 *    allow-list unwrapped on both sides; a lone wrapping <div> (RFC 4287
 *    §3.1.1.3) unwrapped. Elements, their order, text and URLs must still
 *    match exactly.
 *  - URLs: compared after WHATWG URL serialization.
 *  - dates: the same instant, to the second.
 */
import { defaultTreeAdapter, html as p5html, parseFragment, type DefaultTreeAdapterTypes } from 'parse5';
import { ALLOWED_TAGS, GLOBAL_ATTRS, TAG_ATTRS, URL_ATTRS } from '../../src/normalize/html';

type P5Node = DefaultTreeAdapterTypes.ChildNode;

/**
 * Marquee's allow-list, as the sanitizer applies it (src/normalize/html.ts), minus `controls`:
 * the sanitizer adds it to every player, so a reference without it is no disagreement.
 */
const ALLOWED = ALLOWED_TAGS;
const KEPT_ATTRS: Record<string, string[]> = {
  '*': [...GLOBAL_ATTRS],
  ...Object.fromEntries(Object.entries(TAG_ATTRS).map(([tag, attrs]) => [tag, [...attrs].filter((a) => a !== 'controls')])),
};
/** Elements whose content is not shown as text (or that Marquee drops whole). */
const NO_TEXT = new Set(['script', 'style', 'template', 'noscript', 'title', 'svg', 'math', 'head']);
/** Block boundaries: their start and end separate words. */
const BLOCK = new Set(['p', 'div', 'br', 'li', 'tr', 'td', 'th', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'hr', 'figure',
  'figcaption', 'dt', 'dd', 'table', 'section', 'article', 'header', 'footer', 'aside', 'address', 'details', 'summary', 'ul', 'ol', 'dl']);

/** Runs of whitespace (Unicode spaces and U+200B too) as one space, trimmed. */
export function collapse(s: string): string {
  return s.replace(/[\s\u200b]+/g, ' ').trim();
}

const DIV = defaultTreeAdapter.createElement('div', p5html.NS.HTML, []);
const parseHtml = (html: string) => parseFragment(DIV, html, {}).childNodes;

/** What a browser shows of an HTML fragment, as text, whitespace collapsed. */
export function textOf(html: string | null | undefined): string {
  if (!html) return '';
  let out = '';
  const walk = (nodes: P5Node[]) => {
    for (const n of nodes) {
      if (n.nodeName === '#text') out += (n as DefaultTreeAdapterTypes.TextNode).value;
      else if ('tagName' in n && !NO_TEXT.has(n.tagName)) {
        const block = BLOCK.has(n.tagName);
        if (block) out += ' ';
        walk(n.childNodes);
        if (block) out += ' ';
      }
    }
  };
  walk(parseHtml(html));
  return collapse(out);
}

export function normUrl(u: string | null | undefined, base?: string | null): string | null {
  if (!u) return null;
  try {
    return new URL(u.trim(), base ?? undefined).href;
  } catch {
    return u.trim();
  }
}

/** Canonical form of an HTML fragment for comparison (see the module comment). */
export function canonicalHtml(html: string | null | undefined): string {
  if (!html) return '';
  const parts: string[] = [];
  let text = '';
  const flush = () => {
    const t = collapse(text);
    if (t) parts.push(JSON.stringify(t));
    text = '';
  };
  const walk = (nodes: P5Node[]) => {
    for (const n of nodes) {
      if (n.nodeName === '#text') {
        text += (n as DefaultTreeAdapterTypes.TextNode).value;
        continue;
      }
      if (!('tagName' in n)) continue; // comments
      const name = n.tagName;
      if (!ALLOWED.has(name)) {
        walk(n.childNodes);
        continue;
      }
      flush();
      const keep = new Set([...(KEPT_ATTRS['*'] ?? []), ...(KEPT_ATTRS[name] ?? [])]);
      const kept = n.attrs
        .filter((a) => keep.has(a.name))
        .map((a) => [a.name, URL_ATTRS.has(a.name) ? (normUrl(a.value) ?? a.value) : a.value.trim()] as const)
        // An empty or unsafe URL attribute is one we drop; count it as absent on both sides.
        .filter(([a, v]) => !(URL_ATTRS.has(a) && (!v || !/^(https?|mailto):/i.test(v))))
        .sort((x, y) => (x[0] < y[0] ? -1 : 1));
      const isVoid = VOID.has(name);
      parts.push(`<${name}${kept.map(([a, v]) => ` ${a}=${JSON.stringify(v)}`).join('')}${isVoid ? '/' : ''}>`);
      if (isVoid) continue;
      walk(n.childNodes);
      flush();
      parts.push(`</${name}>`);
    }
  };
  walk(parseHtml(html));
  flush();
  // Drop empty element pairs (<p></p>): an empty element is not content either side models.
  let s = parts.join('');
  let prev = '';
  while (s !== prev) {
    prev = s;
    s = s.replace(/<([a-z0-9]+)(?: [^<>]*)?><\/\1>/g, '');
  }
  // A lone wrapping div (Atom xhtml content, RFC 4287 §3.1.1.3) is not content.
  const m = /^<div>([\s\S]*)<\/div>$/.exec(s);
  if (m && !/<\/div>[\s\S]*<div[ >]/.test(m[1])) s = m[1];
  return s;
}

const VOID = new Set(['br', 'hr', 'img', 'wbr', 'col', 'source', 'input', 'meta', 'link', 'area', 'base', 'embed', 'param', 'track']);

export function sameHtml(ours: string | null | undefined, expected: string | null | undefined): boolean {
  return canonicalHtml(ours) === canonicalHtml(expected);
}

/** Text of a value whose type is known: HTML types give their text, plain text is taken as is. */
export function expectedText(value: string | null | undefined, type: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (type && /html|xhtml|xml/.test(type)) return textOf(value);
  return collapse(value);
}

/**
 * Text equality when the other parser did not record whether a value is text or HTML
 * (RSS titles may be either): either reading of its value may match.
 */
export function sameTextEitherWay(ours: string | null | undefined, expected: string | null | undefined): boolean {
  const o = collapse(ours ?? '');
  if (o === collapse(expected ?? '')) return true;
  return o === textOf(expected ?? '');
}

export function sameInstant(ours: string | null | undefined, expected: string | null | undefined): boolean {
  if (!ours || !expected) return !ours && !expected;
  const a = Date.parse(ours);
  const b = Date.parse(expected);
  return Number.isFinite(a) && Number.isFinite(b) && Math.floor(a / 1000) === Math.floor(b / 1000);
}

/** Python time.struct_time of a UTC instant: (Y, M, D, h, m, s, weekday Mon=0, yearday, isdst=0). */
export function structTime(iso: string): number[] {
  const d = new Date(iso);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  const yday = Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - start) / 86_400_000) + 1;
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), (d.getUTCDay() + 6) % 7, yday, 0];
}

/** The first `n` characters of a fragment's text, for comparing long content whose length we cap. */
export function textHead(html: string | null | undefined, n = 300): string {
  return textOf(html).slice(0, n);
}
