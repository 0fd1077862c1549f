/**
 * The seeded fuzzing kit the differential suites share: a PRNG, a
 * grammar-aware generator of hostile HTML fragments and of XML feed
 * documents, byte-level mutations, a minimizer that shrinks a failing input
 * before it is reported, and a step counter that bounds work without a clock.
 *
 * Budgets: `npm test` runs each suite at scale 1 (a few thousand inputs, a
 * few seconds); `npm run fuzz` sets FUZZ_SCALE (default there: 20) and, unless
 * FUZZ_SEED is given, a seed of its own, printed so a failure can be replayed.
 */

/** Inputs per suite = base × FUZZ_SCALE. */
export const FUZZ_SCALE = Math.max(1, Number(process.env.FUZZ_SCALE ?? 1) || 1);
/** Time allowed to a generated-input test: generous, since the count grows with FUZZ_SCALE and machines are shared. */
export const FUZZ_TIMEOUT = 60_000 * FUZZ_SCALE;
/** The seed every suite derives its own from; fixed for npm test so runs repeat exactly. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x5eed) >>> 0;

/** mulberry32: small, fast, and good enough to pick grammar productions. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** A per-suite seed, so adding a suite does not shift the inputs of another. */
export function seedFor(name: string): number {
  let h = FUZZ_SEED ^ 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

// ---- HTML fragments ------------------------------------------------------------------------

const ALLOWED_NAMES = ['a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'code', 'col', 'colgroup', 'dd', 'details', 'div', 'dl', 'dt',
  'em', 'figcaption', 'figure', 'h1', 'h2', 'h3', 'hr', 'i', 'img', 'li', 'ol', 'p', 'picture', 'pre', 'q', 'rp', 'rt', 'ruby', 's',
  'section', 'source', 'span', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'u',
  'ul', 'video', 'audio', 'iframe', 'wbr', 'address', 'article'];
const HOSTILE_NAMES = ['script', 'style', 'svg', 'math', 'noscript', 'template', 'textarea', 'title', 'xmp', 'plaintext', 'noembed',
  'noframes', 'select', 'option', 'object', 'embed', 'form', 'input', 'button', 'foreignObject', 'desc', 'mglyph', 'malignmark',
  'mtext', 'annotation-xml', 'image', 'body', 'html', 'head', 'frameset', 'frame', 'base', 'meta', 'link', 'isindex', 'listing',
  'marquee', 'font', 'center', 'nobr', 'applet', 'keygen', 'x-card', 'custom-el', 'animate', 'set', 'use', 'a:b', 'svg:script'];
const RAW_NAMES = ['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript'];
const ATTR_NAMES = ['href', 'src', 'srcset', 'onerror', 'onclick', 'onload', 'style', 'title', 'alt', 'width', 'height', 'xlink:href',
  'data-src', 'colspan', 'open', 'controls', 'sandbox', 'srcdoc', 'formaction', 'rel', 'lang', 'dir', 'class', 'id', 'poster', 'cite',
  'datetime', 'start', 'value', 'type', 'media', 'allowfullscreen', 'is', 'xmlns', 'action', 'background', 'ON\u0000ERROR', '"', "'", '<', '=x', '/'];
const URLS = ['https://example.test/a?b=1&c=2', '/rel/path', '../up', '//evil.test/x.js', 'javascript:alert(1)', 'JaVa&#x09;ScRiPt:alert(2)',
  ' &#14; javascript:alert(3)', 'java\nscript:alert(4)', 'data:text/html,<script>alert(5)</script>', 'data:image/png;base64,AAAA',
  'vbscript:msgbox(6)', 'mailto:a@b.test', 'mailto:x" onclick="y', 'https://www.youtube.com/embed/abc', 'https://evil.test/embed',
  'http://[::1]/', 'https://example.test/p.gif', 'x:alert(7)', '#frag', '?q=1', 'https://feeds.feedburner.com/~r/x/~4/abc',
  'https://example.test/1.jpg 1x, https://example.test/2.jpg 2x', ',,,,javascript:alert(8)', 'https://example.test/%3Cscript%3E'];
const WORDS = ['hello', 'world', 'news', 'a', 'Ünïcödé', '日本語', '😀', 'x\u200by', 'AT&T', 'R&D', '1 < 2', 'a > b', '"q"', "'s'",
  '`tick`', 'â€™', 'Ã©', '\u00a0', 'é'];
const ENTITIES = ['&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&nbsp;', '&nbsp', '&copy', '&notit;', '&notin;', '&#60;', '&#x3C;',
  '&#x3c', '&#0;', '&#x110000;', '&#xD800;', '&#128;', '&#x9F;', '&#13;', '&amp;lt;script&amp;gt;', '&lt;script&gt;alert(9)&lt;/script&gt;',
  '&unknown;', '&', '&#', '&#x', '&lang;', '&AMP;', '&ampx', '&ThickSpace;'];
const ODD = ['\u0000', '\r', '\r\n', '\n', '\t', '\f', '\ud800', '\udc00', '\ufffd', '\u0001', '\u007f', '\u0085', '\u2028', '\ufeff'];

function casing(r: Rng, name: string): string {
  if (!r.chance(0.15)) return name;
  return [...name].map((c) => (r.chance(0.5) ? c.toUpperCase() : c)).join('');
}

function text(r: Rng): string {
  let s = '';
  for (let n = 1 + r.int(4); n > 0; n--) {
    const k = r.int(10);
    if (k < 5) s += r.pick(WORDS);
    else if (k < 7) s += r.pick(ENTITIES);
    else if (k < 8) s += r.pick(ODD);
    else if (k < 9) s += r.pick(['<', '>', '&', '</', '<!', '<?', '< p>', '<>', '</>', '<3', ']]>', '-->', '--!>']);
    else s += ' ';
    if (r.chance(0.4)) s += ' ';
  }
  return s;
}

function attrValue(r: Rng, name: string): string {
  const k = r.int(10);
  if (['href', 'src', 'poster', 'cite', 'xlink:href', 'data-src', 'action', 'formaction', 'background', 'srcset'].includes(name) && k < 6) return r.pick(URLS);
  if (k < 7) return String(r.pick([0, 1, 2, 3, 100, -1, 560]) ) + r.pick(['', 'px', '%', ' ', 'abc']);
  if (k < 8) return r.pick(['</noscript><img src=x onerror=alert(1)>', '--><script>alert(2)</script>', '"><svg onload=alert(3)>',
    "'><b>", '<![CDATA[', '</style><img src=x>', '&quot;&gt;&lt;x', '</title><script>alert(4)</script>']);
  return text(r);
}

function attr(r: Rng): string {
  const name = casing(r, r.chance(0.9) ? r.pick(ATTR_NAMES) : `x${r.int(99)}`);
  const sep = r.pick([' ', ' ', ' ', '\t', '\n', '/', '  ', '']);
  const k = r.int(12);
  if (k === 0) return `${sep}${name}`; // valueless
  if (k === 1) return `${sep}${name}=`; // '=' and nothing
  const v = attrValue(r, name.toLowerCase());
  const eq = r.pick(['=', '=', ' = ', '=\n']);
  if (k < 6) return `${sep}${name}${eq}"${v.replace(/"/g, r.chance(0.8) ? '&quot;' : '"')}"`;
  if (k < 9) return `${sep}${name}${eq}'${v.replace(/'/g, r.chance(0.8) ? '&#39;' : "'")}'`;
  if (k < 11) return `${sep}${name}${eq}${v.replace(/[\s>]/g, '')}`; // unquoted
  return `${sep}${name}${eq}${r.pick(['"', "'"])}${v}`; // broken quoting: never closed here
}

function startTag(r: Rng, name: string): string {
  let s = `<${casing(r, name)}`;
  for (let n = r.int(4); n > 0; n--) s += attr(r);
  if (r.chance(0.1)) s += r.pick([' /', '/', ' ']);
  return `${s}${r.chance(0.98) ? '>' : ''}`;
}

function rawBody(r: Rng, name: string): string {
  const parts = ['alert(1)', text(r), `</${name}`, `</${name} x>`, `<${name}>`, '<!--', '-->', '<script>', '</script>', '<!--<script>',
    '</script >', '<img src=x onerror=alert(1)>', `</${name.toUpperCase()}>`, '<![CDATA[x]]>'];
  let s = '';
  for (let n = r.int(4); n > 0; n--) s += r.pick(parts);
  return s;
}

function special(r: Rng): string {
  return r.pick([
    `<!--${text(r)}-->`, '<!-->', '<!--->', `<!--${text(r)}--!>`, `<!-- a -- b -->`, `<!--${text(r)}`, '<!-- <script>alert(1)</script> -->',
    `<![CDATA[${text(r)}]]>`, `<![CDATA[<img src=x onerror=alert(1)>]]>`, '<?xml version="1.0"?>', `</ ${text(r)}>`, '<!DOCTYPE html>',
    '<!x>', '</>', '<>', '< p>', `<?${text(r)}>`, '<!--<!-->-->', '<!---->', '<!-- --!-->', '<!--!>',
  ]);
}

/** One hostile HTML fragment: nested, unclosed, misnested, with foreign content and raw text. */
export function genHtml(r: Rng, depth = 0): string {
  let s = '';
  const items = 1 + r.int(depth === 0 ? 4 : 3);
  for (let n = 0; n < items; n++) {
    const k = r.int(20);
    if (k < 5) s += text(r);
    else if (k < 6) s += special(r);
    else if (k < 7) {
      const name = r.pick(RAW_NAMES);
      s += `${startTag(r, name)}${rawBody(r, name)}${r.chance(0.8) ? `</${casing(r, name)}>` : ''}`;
    } else if (k < 8) {
      s += `</${casing(r, r.pick([...ALLOWED_NAMES, ...HOSTILE_NAMES]))}>`; // stray or misnested end tag
    } else {
      const name = k < 16 ? r.pick(ALLOWED_NAMES) : r.pick(HOSTILE_NAMES);
      s += startTag(r, name);
      if (depth < 5 && r.chance(0.7)) s += genHtml(r, depth + 1);
      if (r.chance(0.75)) s += `</${casing(r, name)}>`;
    }
  }
  return s;
}

// ---- XML feed documents --------------------------------------------------------------------

const XML_NS = [['', ''], ['dc', 'http://purl.org/dc/elements/1.1/'], ['media', 'http://search.yahoo.com/mrss/'], ['content', 'http://purl.org/rss/1.0/modules/content/'],
  ['atom', 'http://www.w3.org/2005/Atom'], ['x', 'urn:example:unknown'], ['Foo', 'http://purl.org/dc/elements/1.1/']];
const XML_NAMES = ['title', 'link', 'description', 'item', 'guid', 'pubDate', 'category', 'author', 'enclosure', 'Entry', 'summary', 'img', 'p', 'a', 'b'];

function xmlText(r: Rng, entities: string[]): string {
  let s = '';
  for (let n = 1 + r.int(3); n > 0; n--) {
    const k = r.int(10);
    if (k < 5) s += r.pick(['hello', 'world', 'Ünï', '😀', '1 2', ' spaced ', '\n  ', 'a\tb', 'x\r\ny']);
    else if (k < 7) s += r.pick(['&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#169;', '&#xA9;', '&#x1F600;', '&amp;lt;p&amp;gt;']);
    else if (k < 8 && entities.length) s += `&${r.pick(entities)};`;
    else s += r.pick(['"', "'", '>', ']]', ']>', '-', '?']);
  }
  return s;
}

interface XmlGen {
  r: Rng;
  entities: string[];
  prefixes: string[];
}

function xmlAttrs(g: XmlGen): string {
  const seen = new Set<string>();
  let s = '';
  for (let n = g.r.int(3); n > 0; n--) {
    const name = g.r.pick(['href', 'url', 'type', 'rel', 'isPermaLink', 'xml:base', 'xml:lang', 'width', 'Height', ...g.prefixes.map((p) => `${p}:attr`)]);
    if (seen.has(name)) continue;
    seen.add(name);
    const q = g.r.pick(['"', "'"]);
    const v = xmlText(g.r, g.entities).replace(/</g, '&lt;').replace(q === '"' ? /"/g : /'/g, q === '"' ? '&quot;' : '&apos;').replace(/&(?![a-zA-Z#])/g, '&amp;');
    s += `${g.r.pick([' ', '\n  ', '\t'])}${name}=${q}${v}${q}`;
  }
  return s;
}

function xmlContent(g: XmlGen, depth: number): string {
  let s = '';
  for (let n = g.r.int(depth === 0 ? 6 : 4); n > 0; n--) {
    const k = g.r.int(12);
    if (k < 4) s += xmlText(g.r, g.entities).replace(/</g, '&lt;').replace(/&(?![a-zA-Z#])/g, '&amp;').replace(/]]>/g, ']]&gt;');
    else if (k < 5) s += `<![CDATA[${g.r.pick(['<p>html</p>', 'a & b', ']] >', '', ' ', '<![CDATA[x'])}]]>`;
    else if (k < 6) s += g.r.pick(['<!-- c -->', '<!---->', '<?pi data?>', '<!-- a - b -->']);
    else {
      const pre = g.prefixes.length && g.r.chance(0.3) ? `${g.r.pick(g.prefixes)}:` : '';
      const name = pre + g.r.pick(XML_NAMES);
      const ns = g.r.chance(0.1) ? ` xmlns="${g.r.pick(XML_NS)[1]}"` : '';
      if (g.r.chance(0.2) || depth > 5) s += `<${name}${ns}${xmlAttrs(g)}/>`;
      else s += `<${name}${ns}${xmlAttrs(g)}>${xmlContent(g, depth + 1)}</${name}>`;
    }
  }
  return s;
}

/** A well-formed XML document shaped like a feed (namespaces, entities, CDATA, PIs). */
export function genXml(r: Rng): string {
  const entities = r.chance(0.3) ? ['e1', 'a', 'nbsp', 'long.name'].slice(0, 1 + r.int(4)) : [];
  const nss = XML_NS.slice(1).filter(() => r.chance(0.4));
  const g: XmlGen = { r, entities, prefixes: nss.map(([p]) => p) };
  const decls = nss.map(([p, u]) => ` xmlns:${p}="${u}"`).join('');
  const dtd = entities.length ? `<!DOCTYPE rss [\n${entities.map((e) => `  <!ENTITY ${e} "${r.pick(['Hello', '&#160;', 'x y', "it's"])}">`).join('\n')}\n]>\n` : '';
  const root = r.pick(['rss', 'feed', 'rdf:RDF']);
  const rootNs = root === 'feed' ? ' xmlns="http://www.w3.org/2005/Atom"' : root === 'rdf:RDF' ? ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"' : ' version="2.0"';
  return `${r.chance(0.7) ? '<?xml version="1.0" encoding="utf-8"?>\n' : ''}${dtd}<${root}${rootNs}${decls}>${xmlContent(g, 0)}</${root}>${r.chance(0.2) ? '\n<!-- trailing -->\n' : ''}`;
}

// ---- mutations -----------------------------------------------------------------------------

/** A cut, a flipped byte, a deleted or duplicated run: what transit and bad servers do to a document. */
export function mutate(r: Rng, s: string): string {
  const k = r.int(6);
  const i = r.int(s.length + 1);
  if (k === 0) return s.slice(0, i);
  if (k === 1) return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << r.int(8))) + s.slice(i + 1);
  if (k === 2) return s.slice(0, i) + s.slice(i + 1 + r.int(20));
  if (k === 3) return s.slice(0, i) + s.slice(i, i + 1 + r.int(40)).repeat(2 + r.int(3)) + s.slice(i + 1 + r.int(40));
  if (k === 4) return s.slice(0, i) + r.pick(['<', '>', '&', '"', "'", '</', '<!--', ']]>', '<![CDATA[', '\u0000', '\ud800', '&#0;', '<!DOCTYPE x [']) + s.slice(i);
  return s.slice(i) + s.slice(0, i);
}

// ---- minimizing and reporting --------------------------------------------------------------

/** Shrink `input` while `fails` still holds: delete halves, then quarters... then single characters. */
export function minimize(input: string, fails: (s: string) => boolean, maxTries = 4000): string {
  let cur = input;
  let tries = 0;
  for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1 && tries < maxTries; chunk >>= 1) {
    for (let i = 0; i + chunk <= cur.length && tries < maxTries;) {
      const cand = cur.slice(0, i) + cur.slice(i + chunk);
      tries++;
      let still: boolean;
      try {
        still = fails(cand);
      } catch {
        still = false;
      }
      if (still) cur = cand;
      else i += chunk;
    }
  }
  return cur;
}

// ---- counting work instead of timing it ----------------------------------------------------

type Method = (this: unknown, ...args: unknown[]) => unknown;
type Cost = (self: unknown, args: unknown[], out: unknown, from: number) => number;

/**
 * Run `fn` and count the characters the string and regexp primitives it calls examine: an
 * indexOf counts the distance it scanned, a slice or case change its length, a charCodeAt one,
 * a regexp the distance from where it starts (lastIndex, for a global one) to the end of its
 * match, or to the end of its subject when it fails. The count is deterministic, so "linear in
 * the input" is checked as `steps <= k × length` on any machine, under any load. Loops over
 * arrays and object copies are not seen: where only those could go quadratic, the tests use
 * inputs large enough that the old code ran past the test's time limit. (A regexp that
 * backtracks is undercounted; the regexps in the parsers are simple classes and literals.)
 */
export function countSteps<T>(fn: () => T): { result: T; steps: number } {
  let steps = 0;
  const saved: Array<[Record<string, Method>, string, Method]> = [];
  const wrap = (proto: object, name: string, cost: Cost) => {
    const table = proto as Record<string, Method>;
    const orig = table[name];
    saved.push([table, name, orig]);
    table[name] = function (this: unknown, ...args: unknown[]) {
      // A global or sticky regexp starts at lastIndex: it scans from there, not from 0.
      const from = this instanceof RegExp && (this.global || this.sticky) ? this.lastIndex : 0;
      const out = orig.apply(this, args);
      steps += cost(this, args, out, from);
      return out;
    };
  };
  const len = (x: unknown) => String(x).length;
  const scanned = (self: unknown, a: unknown[], out: unknown) => {
    const start = Number(a[1]) || 0;
    return Math.max(1, (out as number) >= 0 ? (out as number) - start + len(a[0]) : len(self) - start);
  };
  const matched: Cost = (_r, a, out, from) => {
    const m = out as RegExpExecArray | null;
    return 1 + (m ? m.index + m[0].length : len(a[0])) - from;
  };
  wrap(String.prototype, 'indexOf', scanned);
  wrap(String.prototype, 'lastIndexOf', (self) => len(self));
  wrap(String.prototype, 'startsWith', (_s, a) => len(a[0]));
  wrap(String.prototype, 'charCodeAt', () => 1);
  wrap(String.prototype, 'slice', (_s, _a, out) => 1 + len(out));
  wrap(String.prototype, 'toLowerCase', (self) => 1 + len(self));
  wrap(String.prototype, 'trim', (self) => 1 + len(self));
  wrap(RegExp.prototype, 'exec', matched);
  wrap(RegExp.prototype, 'test', (r, a, out, from) => {
    const re = r as RegExp;
    return 1 + (out && (re.global || re.sticky) ? re.lastIndex : len(a[0])) - from;
  });
  try {
    return { result: fn(), steps };
  } finally {
    for (const [table, name, orig] of saved.reverse()) table[name] = orig;
  }
}

/** Run `n` generated cases; collect the first few failures, minimized, for one readable report. */
export function fuzz(n: number, seed: number, gen: (r: Rng) => string, check: (input: string) => string | null): { ran: number; failures: string[] } {
  const r = new Rng(seed);
  const failures: string[] = [];
  let ran = 0;
  for (; ran < n && failures.length < 5; ran++) {
    const input = gen(r);
    const problem = check(input);
    if (problem === null) continue;
    const small = minimize(input, (s) => check(s) !== null, 2000);
    failures.push(`${problem}\n    input:     ${JSON.stringify(input).slice(0, 400)}\n    minimized: ${JSON.stringify(small)}\n    because:   ${check(small)}`);
  }
  return { ran, failures };
}
