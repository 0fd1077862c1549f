/**
 * A tolerant XML reader made for feeds: text in, a light element tree out.
 *
 * Why our own: the general-purpose parsers we measured spend most of a
 * refresh's budget building trees we then walk once (README, "Parsing and
 * normalization": feedsmith/fast-xml-parser read the real corpus at about
 * 18-25 MB/s, this reader at well over 100 MB/s). A feed needs only elements,
 * attributes, text, CDATA and namespaces, and it must survive documents that
 * are not well-formed, which strict parsers refuse.
 *
 * What it does:
 *  - Names are lowercased (feeds write `pubdate`, `PubDate`, `pubDate`; Python's
 *    feedparser does the same) and namespaced names are rewritten to one
 *    canonical prefix per namespace URI (`dc:`, `media:`, `atom:`...), whatever
 *    prefix the document chose (Namespaces in XML 1.0 §4). Elements in the
 *    format's own namespace (Atom's in an Atom feed, RSS 1.0's in RDF) and in
 *    no namespace get bare names.
 *  - Text is decoded once: the five XML entities and character references
 *    (XML 1.0 §4.1, §4.6). Other named references (`&eacute;`) are left as
 *    written; fields that carry HTML decode them when normalize reads them as HTML.
 *  - Never fetches anything and never expands a nested or external entity: of
 *    a DOCTYPE's internal subset only flat general entities are read (a
 *    literal value of at most 1 KB with no entity reference or markup in it,
 *    `<!ENTITY nbsp "&#160;">`), and their substitutions share a 1 MB budget
 *    per document. Billion-laughs documents (every level refers to the one
 *    below) and external entities (SYSTEM, PUBLIC) stay literal `&name;`
 *    text, and the work is linear in the input (RFC 4287 §8.3 and the XML 1.0
 *    security notes ask feed readers to avoid exactly these expansions).
 *  - Recovers from malformed input: an end tag closes the nearest open element
 *    of that name; stray end tags are ignored; elements still open at the end
 *    are closed and marked `complete: false`, which is how a truncated
 *    document keeps its complete items. Any such repair sets `wellFormed: false`.
 *  - Keeps each element's source offsets so a field that carries inline markup
 *    (Atom `type="xhtml"`, RSS descriptions with raw HTML) can be read as HTML.
 */
import { c1ToWindows1252 } from './charset';

export interface XmlElement {
  /** Canonical name: lowercased, namespace prefix replaced by our prefix (see NS_PREFIX). */
  name: string;
  /** Attributes, names canonicalized the same way (`xml:base`, `rdf:about`). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Decoded direct text and CDATA, in document order. */
  text: string;
  /** Offsets in the source: inner content runs from innerStart to innerEnd. */
  innerStart: number;
  innerEnd: number;
  /** False when the element was never closed (truncated document). */
  complete: boolean;
  /** True when some direct content came from CDATA sections. */
  cdata: boolean;
}

export interface XmlDocument {
  root: XmlElement | null;
  /** The DOCTYPE declaration's name and identifiers, without the internal subset. */
  doctype: string | null;
  /** True when the DOCTYPE had an internal subset. */
  internalSubset: boolean;
  /** Flat general entities declared in it (see the module comment). */
  entities: Map<string, string> | null;
  wellFormed: boolean;
  /** Namespace URI of the root element (as written), or null. */
  rootNs: string | null;
  /** Namespace declarations on the root element: prefix ('' = default) -> URI as written. */
  rootNamespaces: Record<string, string>;
  source: string;
}

/** Namespace URI -> canonical prefix. URIs are compared without a trailing slash or '#'. */
const NS_PREFIX: Record<string, string> = {
  'http://www.w3.org/2005/atom': 'atom',
  'http://purl.org/atom/ns': 'atom',
  'http://purl.org/rss/1.0': 'rss1',
  'http://my.netscape.com/rdf/simple/0.9': 'rss090',
  'http://backend.userland.com/rss2': 'rss2',
  'http://blogs.law.harvard.edu/tech/rss': 'rss2',
  'http://backend.userland.com/rss': 'rss2',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns': 'rdf',
  'http://purl.org/dc/elements/1.1': 'dc',
  'http://purl.org/dc/elements/1.0': 'dc',
  'http://purl.org/dc/terms': 'dcterms',
  'http://purl.org/rss/1.0/modules/content': 'content',
  'http://search.yahoo.com/mrss': 'media',
  'http://tools.search.yahoo.com/mrss': 'media',
  'http://www.itunes.com/dtds/podcast-1.0.dtd': 'itunes',
  'http://www.itunes.com/dtds/podcast-1.0.dtd/': 'itunes',
  'http://www.itunes.com/dtd/podcast-1.0.dtd': 'itunes',
  'http://www.w3.org/1999/xhtml': 'xhtml',
  'http://www.w3.org/xml/1998/namespace': 'xml',
  'http://purl.org/syndication/thread/1.0': 'thr',
  'http://wellformedweb.org/commentapi': 'wfw',
  'http://purl.org/rss/1.0/modules/slash': 'slash',
  'http://rssnamespace.org/feedburner/ext/1.0': 'feedburner',
  'http://www.google.com/schemas/play-podcasts/1.0': 'googleplay',
  'http://purl.org/rss/1.0/modules/syndication': 'sy',
  'http://webns.net/mvcb': 'admin',
  'http://www.georss.org/georss': 'georss',
  'http://www.w3.org/2003/01/geo/wgs84_pos': 'geo',
  'https://podcastindex.org/namespace/1.0': 'podcast',
};

function prefixForUri(uri: string): string | null {
  let u = uri.trim().toLowerCase();
  if (u.endsWith('/') || u.endsWith('#')) u = u.slice(0, -1);
  return NS_PREFIX[u] ?? null;
}

/** The namespaces a feed format lives in: its elements get bare names in its own documents. */
const VOCABULARY = new Set(['atom', 'rss1', 'rss090', 'rss2']);

/**
 * prefix ('' = default) -> canonical prefix, or null when unknown. A scope inherits from its
 * parent's by prototype (opening one costs nothing, however many prefixes are in force), and the
 * chain ends in null, so a prefix such as `constructor` finds nothing it was not given.
 */
type Scope = Record<string, string | null>;

function rootScope(): Scope {
  const s = Object.create(null) as Scope;
  s[''] = null;
  s.xml = 'xml';
  return s;
}

/**
 * Substitutions of declared entities allowed per document, in characters: 1 MB, and never more
 * than 8 times the document's own length, so the tree stays a small multiple of its input.
 */
const ENTITY_BUDGET = 1_000_000;
const ENTITY_BUDGET_PER_CHAR = 8;
/**
 * Deepest element nesting kept. Deeper start tags are ignored (their content goes to the element
 * at the limit), so nothing that walks the tree recursively can run out of stack. Real feeds nest
 * a few dozen deep at most.
 */
export const MAX_XML_DEPTH = 256;
const MAX_ENTITY_VALUE = 1024;
const MAX_ENTITIES = 64;

/** Declared flat entities and what is left of the budget (readXml keeps one per document). */
export interface EntityTable {
  map: Map<string, string> | null;
  budget: number;
}

/** Decode the XML entities and character references once; unknown names stay as written. */
export function decodeXmlEntities(s: string, declared?: EntityTable): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  // A hand loop: escaped HTML in descriptions carries thousands of references per item,
  // and a replace() callback per reference was the reader's hottest spot.
  let out = '';
  let last = 0;
  // The next ';' is found once and kept until passed: searching again from every '&' would make
  // "&&&&...;" quadratic.
  let semi = -1;
  while (amp >= 0) {
    if (semi <= amp) semi = s.indexOf(';', amp + 1);
    if (semi < 0) break;
    const len = semi - amp - 1;
    let rep: string | null = null;
    // A name may be one character long (`&a;`, XML 1.0 §2.3 Name); a character reference needs two.
    if (len >= 1 && len <= 32) {
      if (s.charCodeAt(amp + 1) === 35 /* # */) {
        const hex = s.charCodeAt(amp + 2) === 120 || s.charCodeAt(amp + 2) === 88;
        const digits = s.slice(amp + (hex ? 3 : 2), semi);
        if (digits.length && digits.length <= (hex ? 6 : 7) && (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) {
          const cp = Number.parseInt(digits, hex ? 16 : 10);
          // XML 1.0 §4.1 (WFC: Legal Character): a reference must name a Char (§2.2). NUL, the other
          // C0 controls but tab, LF and CR, surrogates, U+FFFE and U+FFFF are not characters.
          rep = isXmlChar(cp) ? String.fromCodePoint(cp) : '\ufffd';
          // A reference to a C1 control is a windows-1252 character written by its byte value
          // (HTML §13.2.5.80 maps them the same way); C1 controls are never text.
          if (cp >= 0x80 && cp <= 0x9f) rep = c1ToWindows1252(rep);
        }
      } else {
        switch (s.slice(amp + 1, semi)) {
          case 'lt': rep = '<'; break;
          case 'gt': rep = '>'; break;
          case 'amp': rep = '&'; break;
          case 'quot': rep = '"'; break;
          case 'apos': rep = "'"; break;
          default: {
            const value = declared?.map?.get(s.slice(amp + 1, semi));
            if (value !== undefined && declared!.budget >= value.length) {
              declared!.budget -= value.length;
              rep = value;
            }
          }
        }
      }
    }
    if (rep !== null) {
      out += s.slice(last, amp) + rep;
      last = semi + 1;
      amp = s.indexOf('&', last);
    } else {
      amp = s.indexOf('&', amp + 1);
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/** XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(cp: number): boolean {
  return cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

// XML 1.0 §2.2: characters outside Char are not allowed anywhere; real feeds carry stray C0 controls.
// eslint-disable-next-line no-control-regex
const ILLEGAL_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex
const ILLEGAL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** XML 1.0 §2.3 NameStartChar, close enough: a letter, '_', ':' or anything non-ASCII. */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0xc0;
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

function isBlank(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (!isSpace(s.charCodeAt(k))) return false;
  return true;
}

// Most elements have no attributes and no children: they share these (frozen, so a stray write
// fails loudly) and get their own only when needed, which keeps a 5 MB feed's tree small.
const NO_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];

/** Reused for every start tag: its attributes are copied into the element before the next tag. */
const RAW_ATTRS: Array<[string, string]> = [];

function newElement(name: string, attrs: Record<string, string>, innerStart: number): XmlElement {
  return { name, attrs, children: NO_CHILDREN, text: '', innerStart, innerEnd: innerStart, complete: true, cdata: false };
}

/** Read `text` into a tree. Never throws; `root` is null when there is no element at all. */
export function readXml(input: string): XmlDocument {
  let source = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  // XML 1.0 §2.11: CRLF and a lone CR are read as LF, before anything else.
  if (source.indexOf('\r') >= 0) source = source.replace(/\r\n?/g, '\n');
  let wellFormed = true;
  if (ILLEGAL_CHAR.test(source)) {
    source = source.replace(ILLEGAL_CHARS, '');
    wellFormed = false;
  }
  const doc: XmlDocument = { root: null, doctype: null, internalSubset: false, entities: null, wellFormed, rootNs: null, rootNamespaces: {}, source };
  const entities = { map: null as Map<string, string> | null, budget: Math.min(ENTITY_BUDGET, ENTITY_BUDGET_PER_CHAR * source.length) };
  // The URI each prefix is bound to, for the root's own namespace (Atom 0.3 vs 1.0, RSS 0.90 vs 1.0).
  let rootUris: Record<string, string> | null = null;
  const stack: XmlElement[] = [];
  /** The names of the open elements as written, for the end-tag fast path. */
  const stackRaw: string[] = [];
  const scopes: Scope[] = [rootScope()];
  // Canonical prefixes whose elements get bare names; fixed when the root opens.
  let bare: Set<string> | null = null;
  const n = source.length;
  let i = 0;

  const appendText = (s: string, cdata: boolean) => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (doc.root && s.trim()) doc.wellFormed = false; // text after the root
      return;
    }
    top.text += s;
    if (cdata) top.cdata = true;
  };

  // Names repeat thousands of times; caching them per scope also makes equal names the same
  // string, so the adapters' name comparisons are pointer checks.
  const caches = new WeakMap<Scope, Map<string, string>>();
  const attrCaches = new WeakMap<Scope, Map<string, string>>();
  const canonical = (qname: string, scope: Scope, isAttr: boolean): string => {
    const byScope = isAttr ? attrCaches : caches;
    let cache = byScope.get(scope);
    if (!cache) byScope.set(scope, (cache = new Map()));
    const key = qname;
    let name = cache.get(key);
    if (name === undefined) {
      name = canonicalUncached(qname, scope, isAttr);
      cache.set(key, name);
    }
    return name;
  };
  const canonicalUncached = (qname: string, scope: Scope, isAttr: boolean): string => {
    const lower = qname.toLowerCase();
    const colon = lower.indexOf(':');
    if (colon < 0) {
      // Namespaces in XML §6.2: unprefixed attributes are in no namespace.
      if (isAttr) return lower;
      const p = scope[''];
      if (!p || (bare && bare.has(p))) return lower;
      return `${p}:${lower}`;
    }
    const prefix = lower.slice(0, colon);
    const local = lower.slice(colon + 1);
    if (prefix === 'xmlns') return lower;
    const p = scope[prefix];
    if (p === undefined || p === null) return lower; // undeclared or unknown: keep what the document wrote
    if (!isAttr && bare && bare.has(p)) return local;
    return `${p}:${local}`;
  };

  while (i < n) {
    const lt = source.indexOf('<', i);
    if (lt < 0) {
      if (!isBlank(source, i, n)) appendText(decodeXmlEntities(source.slice(i), entities), false);
      break;
    }
    // Whitespace between elements is dropped: no field we read is whitespace alone.
    if (lt > i && !isBlank(source, i, lt)) appendText(decodeXmlEntities(source.slice(i, lt), entities), false);
    const c = source.charCodeAt(lt + 1);
    if (c === 33 /* ! */) {
      if (source.startsWith('<!--', lt)) {
        const end = source.indexOf('-->', lt + 4);
        i = end < 0 ? n : end + 3;
        continue;
      }
      if (source.startsWith('<![CDATA[', lt)) {
        const end = source.indexOf(']]>', lt + 9);
        appendText(source.slice(lt + 9, end < 0 ? n : end), true);
        if (end < 0) doc.wellFormed = false;
        i = end < 0 ? n : end + 3;
        continue;
      }
      if (/^<!doctype/i.test(source.slice(lt, lt + 9))) {
        i = skipDoctype(source, lt, doc);
        entities.map = doc.entities;
        continue;
      }
      // Any other declaration: skip to its end.
      const end = source.indexOf('>', lt);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (c === 63 /* ? */) {
      const end = source.indexOf('?>', lt + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === 47 /* / */) {
      // Fast path: the end tag of the innermost open element, written as its start tag was.
      const top = stackRaw.length - 1;
      if (top >= 0) {
        const rawName = stackRaw[top];
        const after = lt + 2 + rawName.length;
        if (source.charCodeAt(after) === 62 /* > */ && source.startsWith(rawName, lt + 2)) {
          stack.pop()!.innerEnd = lt;
          stackRaw.pop();
          scopes.pop();
          i = after + 1;
          continue;
        }
      }
      const end = source.indexOf('>', lt + 2);
      const stop = end < 0 ? n : end;
      const qname = source.slice(lt + 2, stop).trim();
      i = end < 0 ? n : end + 1;
      if (!stack.length) {
        doc.wellFormed = false;
        continue;
      }
      const name = canonical(qname, scopes[scopes.length - 1], false);
      // Close the nearest open element of that name; anything opened after it was never closed.
      let k = stack.length - 1;
      while (k >= 0 && stack[k].name !== name) k--;
      if (k < 0) {
        doc.wellFormed = false; // a stray end tag
        continue;
      }
      if (k !== stack.length - 1) doc.wellFormed = false;
      while (stack.length > k) {
        const el = stack.pop()!;
        el.innerEnd = lt;
        stackRaw.pop();
        scopes.pop();
      }
      continue;
    }
    if (!isNameStart(source.charCodeAt(lt + 1))) {
      // A bare '<' in text ("a < b"): not markup. XML forbids it, HTML-minded feeds write it.
      appendText('<', false);
      doc.wellFormed = false;
      i = lt + 1;
      continue;
    }
    // Start tag: name, then attributes until an unquoted '>'.
    let j = lt + 1;
    while (j < n) {
      const ch = source.charCodeAt(j);
      if (ch === 62 || ch === 47 || ch === 32 || ch === 9 || ch === 10 || ch === 13) break;
      j++;
    }
    const qname = source.slice(lt + 1, j);
    const rawAttrs = RAW_ATTRS;
    rawAttrs.length = 0;
    let selfClosing = false;
    let closed = false;
    while (j < n) {
      const ch = source.charCodeAt(j);
      if (ch === 62 /* > */) {
        closed = true;
        j++;
        break;
      }
      if (ch === 47 /* / */) {
        if (source.charCodeAt(j + 1) === 62) {
          selfClosing = true;
          closed = true;
          j += 2;
          break;
        }
        j++;
        continue;
      }
      if (ch === 32 || ch === 9 || ch === 10 || ch === 13) {
        j++;
        continue;
      }
      // attribute name
      const ns = j;
      while (j < n) {
        const a = source.charCodeAt(j);
        if (a === 61 || a === 62 || a === 47 || a === 32 || a === 9 || a === 10 || a === 13) break;
        j++;
      }
      const aname = source.slice(ns, j);
      while (j < n && isSpace(source.charCodeAt(j))) j++;
      if (source.charCodeAt(j) !== 61 /* = */) {
        if (aname) rawAttrs.push([aname, '']); // HTML-style boolean attribute: not XML, keep it
        if (j === ns) j++; // guarantee progress
        continue;
      }
      j++;
      while (j < n && isSpace(source.charCodeAt(j))) j++;
      const q = source.charCodeAt(j);
      let value: string;
      if (q === 34 || q === 39) {
        const end = source.indexOf(q === 34 ? '"' : "'", j + 1);
        value = source.slice(j + 1, end < 0 ? n : end);
        j = end < 0 ? n : end + 1;
      } else {
        const vs = j;
        while (j < n) {
          const a = source.charCodeAt(j);
          if (a === 62 || a === 32 || a === 9 || a === 10 || a === 13) break;
          j++;
        }
        value = source.slice(vs, j);
        doc.wellFormed = false;
      }
      // XML 1.0 §3.3.3: a literal tab or newline in an attribute value is a space (a reference is not).
      if (/[\t\n]/.test(value)) value = value.replace(/[\t\n]/g, ' ');
      rawAttrs.push([aname, decodeXmlEntities(value, entities)]);
    }
    i = j;
    if (!closed) doc.wellFormed = false;
    if (stack.length >= MAX_XML_DEPTH) {
      doc.wellFormed = false; // too deep: the tag is ignored, its content goes to the open element
      continue;
    }

    // Namespace declarations on this element open a new scope for it and its content.
    let scope = scopes[scopes.length - 1];
    for (const [an, av] of rawAttrs) {
      const la = an.toLowerCase();
      if (la === 'xmlns' || la.startsWith('xmlns:')) {
        if (scope === scopes[scopes.length - 1]) scope = Object.create(scope) as Scope;
        const declared = la === 'xmlns' ? '' : la.slice(6);
        scope[declared] = av.trim() === '' ? null : (prefixForUri(av) ?? (declared || null));
        if (!bare) (rootUris ??= {})[declared] = av.trim();
      }
    }
    if (!bare) {
      const rq = qname.toLowerCase();
      doc.rootNamespaces = rootUris ?? {};
      const rootPrefix = rq.includes(':') ? rq.slice(0, rq.indexOf(':')) : '';
      doc.rootNs = Object.hasOwn(doc.rootNamespaces, rootPrefix) ? doc.rootNamespaces[rootPrefix] : null;
      // The root decides which vocabulary gets bare names: its own namespace and, for RDF,
      // the default namespace it declares (RSS 1.0 / 0.90 elements).
      bare = new Set();
      const rootName = qname.toLowerCase();
      const rp = rootName.includes(':') ? scope[rootName.slice(0, rootName.indexOf(':'))] : scope[''];
      if (rp && VOCABULARY.has(rp)) bare.add(rp);
      const dp = scope[''];
      if (dp && VOCABULARY.has(dp)) bare.add(dp);
      // An RDF document's vocabulary is RSS 1.0 (or 0.90) whatever prefix it is bound to.
      if (rp === 'rdf') bare.add('rss1').add('rss090');
    }
    let attrs = NO_ATTRS;
    if (rawAttrs.length) {
      attrs = {};
      for (const [an, av] of rawAttrs) attrs[canonical(an, scope, true)] = av;
    }
    const el = newElement(canonical(qname, scope, false), attrs, i);
    const parent = stack[stack.length - 1];
    if (parent) {
      if (parent.children === NO_CHILDREN) parent.children = [el];
      else parent.children.push(el);
    }
    else if (!doc.root) doc.root = el;
    else {
      doc.wellFormed = false; // a second root: ignore it and its content
      if (!selfClosing) {
        // Skip to the end of the document: nothing after the root can belong to the feed.
        break;
      }
      continue;
    }
    if (!selfClosing) {
      stack.push(el);
      stackRaw.push(qname);
      scopes.push(scope);
    }
  }
  if (stack.length) {
    doc.wellFormed = false;
    for (const el of stack) {
      el.complete = false;
      el.innerEnd = n;
    }
  }
  return doc;
}

/** Skip `<!DOCTYPE ...>` including an internal subset `[...]`, of which only flat entities are kept. */
function skipDoctype(s: string, lt: number, doc: XmlDocument): number {
  let j = lt + 9;
  let quote = 0;
  while (j < s.length) {
    const ch = s.charCodeAt(j);
    if (quote) {
      if (ch === quote) quote = 0;
    } else if (ch === 34 || ch === 39) quote = ch;
    else if (ch === 91 /* [ */) {
      doc.internalSubset = true;
      doc.doctype = s.slice(lt + 9, j).trim();
      // The internal subset ends at the first ']' outside quotes and comments, followed by '>'.
      let k = j + 1;
      let q = 0;
      while (k < s.length) {
        const c2 = s.charCodeAt(k);
        if (q) {
          if (c2 === q) q = 0;
        } else if (c2 === 34 || c2 === 39) q = c2;
        else if (c2 === 60 && s.startsWith('<!--', k)) {
          const e = s.indexOf('-->', k + 4);
          k = e < 0 ? s.length : e + 2;
        } else if (c2 === 93 /* ] */) break;
        k++;
      }
      doc.entities = flatEntities(s.slice(j + 1, k));
      const end = s.indexOf('>', k);
      return end < 0 ? s.length : end + 1;
    } else if (ch === 62 /* > */) {
      doc.doctype = s.slice(lt + 9, j).trim();
      return j + 1;
    }
    j++;
  }
  return s.length;
}

/**
 * General entities with a literal value (XML 1.0 §4.2.2 EntityValue) that, once its character
 * references are decoded, holds no entity reference and no markup. Everything else declared in
 * the subset (parameter entities, SYSTEM/PUBLIC ones, values referring to other entities) is
 * ignored, so no expansion can nest and none reaches outside the document.
 */
function flatEntities(subset: string): Map<string, string> | null {
  let map: Map<string, string> | null = null;
  const re = /<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"]*)"|'([^']*)')\s*>/g;
  for (let m = re.exec(subset); m && (map?.size ?? 0) < MAX_ENTITIES; m = re.exec(subset)) {
    const raw = m[2] ?? m[3];
    if (raw.length > MAX_ENTITY_VALUE * 8) continue;
    const value = raw.replace(/&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});/g, (_, ref: string) => {
      const cp = ref[0] === 'x' ? Number.parseInt(ref.slice(1), 16) : Number(ref);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
    });
    if (value.length > MAX_ENTITY_VALUE || /[&<%]/.test(value)) continue;
    (map ??= new Map()).set(m[1], value);
  }
  return map;
}

// ---- helpers the adapters use ------------------------------------------------

export function child(el: XmlElement | null | undefined, name: string): XmlElement | null {
  if (!el) return null;
  for (const c of el.children) if (c.name === name) return c;
  return null;
}

export function children(el: XmlElement | null | undefined, name: string): XmlElement[] {
  if (!el) return [];
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.name === name) out.push(c);
  return out;
}

/** Direct text of the first child with that name, trimmed; null when absent or blank. */
export function childText(el: XmlElement | null | undefined, name: string): string | null {
  const c = child(el, name);
  if (!c) return null;
  const t = c.text.trim();
  return t === '' ? null : t;
}

/** All text inside an element, descendants included. */
export function deepText(el: XmlElement): string {
  if (!el.children.length) return el.text;
  let s = el.text;
  for (const c of el.children) s += deepText(c);
  return s;
}

/** The element's content as written in the source: the markup of its children, as HTML. */
export function innerSource(doc: XmlDocument, el: XmlElement): string {
  let raw = doc.source.slice(el.innerStart, el.innerEnd);
  // CDATA inside mixed content means "this text is literal": escape it for the HTML reader.
  if (raw.indexOf('<![CDATA[') >= 0) {
    raw = raw.replace(/<!\[CDATA\[([\s\S]*?)(?:\]\]>|$)/g, (_, t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  }
  // XML's <iframe/> or <div/> is empty; HTML ignores the slash on non-void elements and would
  // swallow what follows (an <iframe> would eat the rest as raw text). Write such tags out in full.
  if (raw.indexOf('/>') >= 0) {
    raw = raw.replace(/<([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/>/g, (m, name: string, attrs: string) => {
      const local = name.slice(name.indexOf(':') + 1).toLowerCase();
      return HTML_VOID.has(local) ? m : `<${name}${attrs}></${name}>`;
    });
  }
  return raw;
}

const HTML_VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
