/**
 * The HTML sanitizer: an allow-list over our HTML tokenizer (tokenize.ts), in one pass
 * that also yields the plain text and the images of the fragment.
 *
 * What survives: the structural and inline tags a news article uses, a few
 * attributes per tag, absolute http(s) URLs (mailto: on links), and iframes
 * from video/audio hosts on IFRAME_HOSTS (sandboxed). What goes: scripts,
 * styles, event handlers, `style`/`class`/`id`, forms and their controls,
 * objects/embeds, SVG/MathML, `javascript:`/`vbscript:`/`data:` URLs, and
 * tracking pixels (1x1 images, known beacon hosts). Every text node and
 * attribute value is re-escaped on output, and only allow-listed names are
 * ever written, so whatever the tokenizer made of hostile input, the output
 * cannot open markup we did not write (test/browser/xss.browser.ts renders 150
 * evasion vectors in Chromium to check it).
 *
 * Tokens come from tokenize.ts (WHATWG tokenization states, the standard's
 * entity table); htmlparser2's Parser, which this replaced, spent most of a
 * refresh's time on events we did not need (README, "Parsing and
 * normalization"). Before each tag and text is written, tree.ts says where a
 * browser would put it (a block closes an open <p>, <li> closes <li>, a <tr>
 * gets its <tbody>...), and the sanitizer writes those closes and opens
 * itself, so a browser reads the output back exactly as it was written:
 * test/normalize/html.fuzz.test.ts checks that the output is a fixed point of
 * parse5 (parse, serialize, sanitize again) and that js-xss finds nothing in it.
 *
 * Why not HTMLRewriter: it exists only inside workerd (the pure core is
 * tested in Node) and it was slower on our content (measured in workerd:
 * bench/sanitizer.bench.ts, numbers in the README).
 */
import { MAX_URL_CHARS } from './limits';
import { boundaryOf, collapseWhitespace, PlainText, repairMojibake, truncate, type Boundary } from './text';
import { tokenizeHtml, type TokenHandler } from './tokenize';
import { endTagTarget, MAX_OPEN_ELEMENTS, placeStartTag, placeText, tagKind, type TreeWriter } from './tree';
import { resolveUrl } from './url';

export const ALLOWED_TAGS = new Set([
  'a', 'abbr', 'acronym', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'cite',
  'code', 'col', 'colgroup', 'dd', 'del', 'details', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'footer',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'picture', 'pre',
  'q', 'rp', 'rt', 'ruby', 's', 'samp', 'section', 'small', 'source', 'span', 'strike', 'strong', 'sub', 'summary', 'sup',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'tt', 'u', 'ul', 'var', 'wbr', 'video', 'audio', 'iframe',
]);

/** Dropped together with everything inside them. */
export const DROP_WITH_CONTENT = new Set([
  'script', 'style', 'template', 'object', 'embed', 'applet', 'frame', 'frameset', 'noembed', 'noframes', 'svg', 'math',
  'head', 'title', 'textarea', 'select', 'button', 'option', 'optgroup', 'datalist', 'xmp', 'plaintext', 'iframe-blocked',
  'dialog', 'canvas', 'map', 'portal', 'slot',
]);

/** Elements without content (HTML §13.1.2); never opened, so they never swallow what follows. */
const VOID = new Set(['area', 'base', 'basefont', 'bgsound', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'frame', 'image']);

export const GLOBAL_ATTRS = new Set(['title', 'lang', 'dir']);
export const TAG_ATTRS: Record<string, Set<string>> = {
  a: new Set(['href']),
  img: new Set(['src', 'alt', 'width', 'height', 'srcset']),
  iframe: new Set(['src', 'width', 'height', 'allowfullscreen']),
  video: new Set(['src', 'poster', 'controls', 'width', 'height']),
  audio: new Set(['src', 'controls']),
  source: new Set(['src', 'srcset', 'type', 'media']),
  td: new Set(['colspan', 'rowspan', 'headers', 'scope']),
  th: new Set(['colspan', 'rowspan', 'headers', 'scope']),
  col: new Set(['span']),
  colgroup: new Set(['span']),
  ol: new Set(['start', 'reversed', 'type']),
  li: new Set(['value']),
  time: new Set(['datetime']),
  q: new Set(['cite']),
  blockquote: new Set(['cite']),
  del: new Set(['cite', 'datetime']),
  ins: new Set(['cite', 'datetime']),
  abbr: new Set(['title']),
  details: new Set(['open']),
};
export const URL_ATTRS = new Set(['href', 'src', 'poster', 'cite']);
const NUMERIC_ATTRS = new Set(['width', 'height', 'colspan', 'rowspan', 'span', 'start', 'value']);
const BOOLEAN_ATTRS = new Set(['controls', 'allowfullscreen', 'reversed', 'open']);

/** Embeds we keep: video and audio players news sites use. Everything else is dropped. */
export const IFRAME_HOSTS = [
  'youtube.com', 'youtube-nocookie.com', 'player.vimeo.com', 'dailymotion.com', 'geo.dailymotion.com', 'player.twitch.tv',
  'clips.twitch.tv', 'open.spotify.com', 'w.soundcloud.com', 'embed.music.apple.com', 'bandcamp.com', 'www.tiktok.com',
  'fast.wistia.net', 'players.brightcove.net', 'cdn.jwplayer.com', 'player.cnevids.com', 'embed.ted.com', 'streamable.com',
];

/** Hosts and paths that only count views. Images from them are removed. */
const BEACONS: RegExp[] = [
  /^https?:\/\/feeds\.feedburner\.com\/~(r|ff)\//i,
  /^https?:\/\/feeds\.feedblitz\.com\/~\/i\//i,
  /^https?:\/\/assets\.feedblitzstatic\.com\/images\/blank/i,
  /^https?:\/\/(pixel|stats)\.wp\.com\//i,
  /^https?:\/\/stats\.wordpress\.com\//i,
  /^https?:\/\/feeds\.wordpress\.com\/1\.0\//i,
  /^https?:\/\/[^/]*\.doubleclick\.net\//i,
  /^https?:\/\/[^/]*google-analytics\.com\//i,
  /^https?:\/\/pixel\.quantserve\.com\//i,
  /^https?:\/\/sb\.scorecardresearch\.com\//i,
  /^https?:\/\/[^/]*feedsportal\.com\//i,
  /^https?:\/\/www\.facebook\.com\/tr/i,
  /^https?:\/\/bat\.bing\.com\//i,
  /^https?:\/\/ct\.pinterest\.com\//i,
  /^https?:\/\/[^/]*\.list-manage\.com\/track\//i,
  /^https?:\/\/pixel\.mathtag\.com\//i,
  /^https?:\/\/[^/]*amazon-adsystem\.com\//i,
  /^https?:\/\/www\.assoc-amazon\.com\//i,
  /^https?:\/\/mf\.feeds\.reuters\.com\//i,
  /^https?:\/\/[^/]*\.(?:tynt|outbrain|taboola)\.com\/.*(?:pixel|beacon|log)/i,
  /\/(?:pixel|beacon|tracking|tracker|open)\.(?:gif|png|php)(?:\?|$)/i,
];

/**
 * One alternation of all of them. Every pattern but the last starts with a host, so the host is
 * checked first: only URLs whose host could match go through the long alternation.
 */
const BEACON = new RegExp(BEACONS.map((r) => `(?:${r.source})`).join('|'), 'i');
const BEACON_PATH = BEACONS[BEACONS.length - 1];
const BEACON_HOST_HINT = /(?:feedburner|feedblitz|wp\.com|wordpress\.com|doubleclick|google-analytics|quantserve|scorecardresearch|feedsportal|facebook\.com|bing\.com|pinterest|list-manage|mathtag|amazon-adsystem|assoc-amazon|reuters|tynt|outbrain|taboola)/i;

/** Links that only count clicks: FeedBurner flare and click-through, Feedsportal, FeedBlitz. */
const BEACON_LINK = /^(?:https?:)?\/\/(?:feeds\.feedburner\.com\/~(?:ff|a)\/|[^/]*feedsportal\.com\/|feeds\.feedblitz\.com\/~\/[a-z]\/)/i;

export function isTrackingPixel(src: string, width: number | null, height: number | null): boolean {
  if ((width !== null && width <= 2 && (height === null || height <= 2)) || (height !== null && height <= 2 && (width === null || width <= 2))) return true;
  const host = /^https?:\/\/([^/?#]*)/i.exec(src)?.[1] ?? '';
  return BEACON_HOST_HINT.test(host) ? BEACON.test(src) : BEACON_PATH.test(src);
}

export interface SanitizedImage {
  url: string;
  width: number | null;
  height: number | null;
}

export interface SanitizeResult {
  html: string;
  text: string;
  images: SanitizedImage[];
  truncated: boolean;
  /** The cut came from maxHtmlChars (markup too long), not from the text budget. */
  htmlCapped: boolean;
}

export interface SanitizeOptions {
  /** Bases for relative URLs, innermost first (xml:base, feed link, feed URL). */
  bases?: Array<string | null | undefined>;
  /** Or the one absolute base, already resolved (normalize passes this). */
  base?: string | null;
  /** Stop after this many characters of text; open tags are closed and an ellipsis added. */
  maxTextChars?: number;
  /** Cap on the plain text returned. */
  maxPlainChars?: number;
  /** Stop writing HTML before it passes this many characters (closing tags included). */
  maxHtmlChars?: number;
}

const escText = (s: string) => (/[&<>]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s);
const escAttr = (s: string) => (/[&"<>]/.test(s) ? s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s);

// A CR (from `&#13;`) cannot survive a round trip: a browser's input stream turns a written CR into
// LF (§13.2.3.5), so it is written as the LF a reader would get. The C0 controls XML 1.0 §2.2 does
// not allow (all but tab, LF, CR) are dropped: the HTML also goes out in RSS and Atom. Neither can
// open or close markup, so this is done once, on the whole output. (U+FFFE and U+FFFF, also not XML,
// are replaced where every stored field is cleaned: limits.ts safeText.)
// eslint-disable-next-line no-control-regex
const C0 = /[\x00-\x08\x0b-\x1f]/;
// XML 1.0 §2.2: C0 controls other than tab, LF and CR are not characters.
// eslint-disable-next-line no-control-regex
const xmlChars = (s: string) => (C0.test(s) ? s.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f]/g, '') : s);
/** What a <pre> may not start with: a newline, or what the output drops (then a newline would follow). */
// eslint-disable-next-line no-control-regex
const PRE_LEAD = /^[\x00-\x08\x0a-\x1f]+/;

function dim(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

function iframeAllowed(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return IFRAME_HOSTS.some((h) => host === h || host.endsWith(`.${h}`));
  } catch {
    return false;
  }
}


/** Everything the sanitizer needs to know about a tag name, in one lookup. */
interface TagRule {
  allowed: boolean;
  drop: boolean;
  isVoid: boolean;
  /** What the tag's start or end does to the plain text (text.ts `PlainText`). */
  boundary: Boundary;
  attrs: Set<string> | null;
  /** What opening it does to the tree (tree.ts tagKind). */
  kind: number;
}
const RULES = new Map<string, TagRule>();
function ruleFor(tag: string): TagRule {
  let r = RULES.get(tag);
  if (!r) {
    r = {
      allowed: ALLOWED_TAGS.has(tag), drop: DROP_WITH_CONTENT.has(tag), isVoid: VOID.has(tag), boundary: boundaryOf(tag),
      attrs: TAG_ATTRS[tag] ?? null, kind: tagKind(tag),
    };
    // Only names from our lists are cached, so hostile input cannot grow the map.
    if (r.allowed || r.drop || r.isVoid || r.boundary) RULES.set(tag, r);
  }
  return r;
}

/** The state of one sanitize call; the handler's functions read it. */
interface Run {
  base: string | null;
  maxText: number;
  maxPlain: number;
  maxHtml: number;
  html: string;
  plain: PlainText;
  images: SanitizedImage[];
  open: string[];
  /** Characters the end tags of the open elements will take. */
  closeLen: number;
  /** The last thing written was `<pre>`: a browser drops a newline right after it (§13.2.6.4.7). */
  afterPre: boolean;
  /** Open <table> elements: without one, text and most tags need no placing (tree.ts). */
  tables: number;
  /** maxHtmlChars cut the output (as opposed to the text budget). */
  htmlCapped: boolean;
  dropDepth: number;
  dropTag: string;
  textLen: number;
  truncated: boolean;
  /** Attributes of the tag being handled (valid during the handler call only). */
  attrs: Array<[string, string]>;
  /** The image of the <img> being written. */
  image: SanitizedImage | null;
}

let run: Run;

function pushPlain(s: string): void {
  if (run.plain.length <= run.maxPlain) run.plain.add(s);
}

function boundary(rule: TagRule): void {
  if (rule.boundary) run.plain.boundary(rule.boundary);
}

/** Characters of HTML still free, after the end tags the open elements will need. */
const room = () => run.maxHtml - run.html.length - run.closeLen;

/** The HTML budget ran out: stop here, with an ellipsis when it fits. */
function cutHtml(): void {
  // The ellipsis is text like any other: in a table it needs a cell (placeText), or a browser moves it out.
  if (!run.truncated && room() >= 1 && (!run.tables || placeText('…', run.open, TREE)) && room() >= 1) run.html += '…';
  run.truncated = true;
  run.htmlCapped = true;
}

/** Text cut so that, escaped, it fits in `n` characters (never inside a surrogate pair). */
function fitEscaped(t: string, n: number): string {
  if (n <= 0) return '';
  let cut = t.slice(0, n);
  while (cut && escText(cut).length > n) cut = cut.slice(0, Math.max(0, cut.length - Math.ceil((escText(cut).length - n) / 4) - 1));
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** Returns false when the rest of the input cannot change the result. */
function emitText(t: string): boolean {
  if (run.dropDepth > 0) return true;
  if (run.truncated) {
    pushPlain(t);
  } else {
    if (run.afterPre) {
      // A browser drops one newline after <pre>, and a serializer does not write it back: none is written.
      t = t.replace(PRE_LEAD, '');
      if (!t) return true;
    }
    let cut = false;
    if (run.textLen + t.length > run.maxText) {
      t = truncate(t, Math.max(1, run.maxText - run.textLen));
      cut = true;
    }
    if (run.tables && !placeText(t, run.open, TREE)) return true;
    run.afterPre = false;
    run.truncated ||= cut;
    let escaped = escText(t);
    if (escaped.length > room() - 1) {
      t = fitEscaped(t, Math.max(0, room() - 1));
      escaped = escText(t);
      run.html += escaped;
      cutHtml();
    } else run.html += escaped;
    run.textLen += t.length;
    pushPlain(t);
  }
  // Once the visible HTML is cut and the plain text is full, the rest of the input changes nothing.
  return !(run.truncated && run.plain.length > run.maxPlain);
}

function closeTo(i: number): void {
  while (run.open.length > i) {
    const tag = run.open.pop()!;
    run.closeLen -= tag.length + 3;
    if (tag === 'table') run.tables--;
    run.html += `</${tag}>`;
  }
  run.afterPre = false;
}

function pushOpen(tag: string): void {
  if (tag === 'table') run.tables++;
  run.open.push(tag);
  run.closeLen += tag.length + 3;
}

/** What tree.ts changes: end tags and implied table wrappers, written as they happen. */
const TREE: TreeWriter = {
  closeTo,
  openImplied(tag) {
    if (run.open.length >= MAX_OPEN_ELEMENTS || room() < 2 * tag.length + 6) return false;
    run.html += `<${tag}>`;
    pushOpen(tag);
    run.afterPre = false;
    return true;
  },
};

function attrOf(name: string): string | undefined {
  const attrs = run.attrs;
  for (let i = 0; i < attrs.length; i++) if (attrs[i][0] === name) return attrs[i][1];
  return undefined;
}

function srcsetOf(value: string): string | null {
  const parts: string[] = [];
  for (const candidate of value.split(',')) {
    const c = candidate.trim();
    if (!c) continue;
    const [u, ...desc] = c.split(/\s+/);
    const abs = resolveUrl(u, run.base);
    if (!abs) return null; // one unsafe candidate drops the attribute
    parts.push([abs, ...desc.filter((d) => /^\d+(\.\d+)?[wx]$/.test(d))].join(' '));
  }
  return parts.length ? parts.join(', ') : null;
}

/** Resolve a URL attribute; null when it is not http(s) (or mailto: on links). */
function safeUrl(value: string, allowMailto: boolean): string | null {
  const v = value.trim();
  if (v.length > MAX_URL_CHARS) return null; // a cut URL points somewhere else: none is better
  if (allowMailto && /^mailto:/i.test(v)) return /^mailto:[^\s"<>]+$/i.test(v) ? `mailto:${v.slice(7)}` : null;
  const abs = resolveUrl(v, run.base);
  return abs && abs.length <= MAX_URL_CHARS ? abs : null;
}

function startTag(name: string, selfClosing: boolean): void {
  if (run.dropDepth > 0) {
    if (name === run.dropTag && !selfClosing && !VOID.has(name)) run.dropDepth++;
    return;
  }
  if (run.truncated) {
    // Past the cut nothing is written, but the plain text goes on and the article's picture may still come.
    run.plain.boundary(boundaryOf(name));
    const img = name === 'img' ? imageOfTag() : null;
    if (img) run.images.push(img);
    return;
  }
  let rule = ruleFor(name);
  boundary(rule);
  let tag = name;
  if (tag === 'iframe') {
    const src = attrOf('src');
    const abs = src ? safeUrl(src, false) : null;
    if (!abs || !iframeAllowed(abs)) {
      tag = 'iframe-blocked';
      rule = ruleFor(tag);
    }
  }
  if (rule.drop) {
    // A self-closing <svg/> or <math/> has no content to drop (HTML §13.2.6.5, foreign elements);
    // <script/> and other HTML elements ignore the slash, so their content still follows.
    if (!rule.isVoid && !(selfClosing && (name === 'svg' || name === 'math'))) {
      run.dropDepth = 1;
      run.dropTag = name;
    }
    return;
  }
  if (!rule.allowed) return; // unknown or presentational: drop the tag, keep its content
  if (tag === 'a') {
    // A link to a beacon (FeedBurner's "feedflare" share buttons, click counters) is tracking, not
    // content: the tag goes, whatever it wrapped (usually a beacon image, gone too) stays.
    const href = attrOf('href');
    if (href && BEACON_LINK.test(href)) return;
  }
  const out = tag === 'img' ? imgTag() : startTagHtml(tag, rule.attrs);
  if (out === null) return;
  // Room for the wrappers a table may imply, then a browser's own placement of the tag (tree.ts).
  if (run.open.length >= MAX_OPEN_ELEMENTS - 3) return;
  if ((rule.kind || run.tables) && !placeStartTag(tag, rule.kind, run.open, TREE, run.tables > 0)) return;
  const closing = rule.isVoid ? 0 : tag.length + 3;
  if (out.length + closing > room() - 1) {
    cutHtml();
    return;
  }
  run.html += out;
  run.afterPre = tag === 'pre';
  if (tag === 'img') run.images.push(run.image!);
  if (rule.isVoid) return;
  if (tag === 'iframe') {
    // An iframe's content is raw text to a browser and never shown: write none.
    run.html += '</iframe>';
    run.dropDepth = 1;
    run.dropTag = 'iframe';
    return;
  }
  pushOpen(tag);
}

/** A size in CSS pixels ("460", "460px"); null for a percentage or anything else that is no pixel count. */
function pixels(v: string | undefined): number | null {
  const m = v === undefined ? null : /^\s*(\d+)(?:\.\d+)?\s*(?:px)?\s*$/i.exec(v);
  return m ? Number(m[1]) : null;
}

/** The image an <img> tag shows, with its stated size; null for none, an unsafe URL or a tracking pixel. */
function imageOfTag(): SanitizedImage | null {
  // Lazy-loading markup keeps the real URL in data-src; a data: placeholder is not an image.
  let src = attrOf('src');
  if (!src || /^\s*data:/i.test(src)) src = attrOf('data-src') ?? attrOf('data-lazy-src') ?? attrOf('data-original') ?? '';
  const abs = src ? safeUrl(src, false) : null;
  const w = pixels(attrOf('width'));
  const h = pixels(attrOf('height'));
  if (!abs || isTrackingPixel(abs, w, h)) return null;
  return { url: abs, width: w, height: h };
}

/** `<img ...>` with its URL resolved and checked, or null when it is no usable image (or a pixel). */
function imgTag(): string | null {
  const image = imageOfTag();
  if (!image) return null;
  run.image = image;
  const wRaw = attrOf('width');
  const hRaw = attrOf('height');
  const w = dim(wRaw);
  const h = dim(hRaw);
  let out = `<img src="${escAttr(image.url)}"`;
  const alt = attrOf('alt');
  if (alt !== undefined) out += ` alt="${escAttr(alt)}"`;
  const title = attrOf('title');
  if (title !== undefined) out += ` title="${escAttr(title)}"`;
  if (w !== null) out += ` width="${escAttr(wRaw!)}"`;
  if (h !== null) out += ` height="${escAttr(hRaw!)}"`;
  const srcset = attrOf('srcset') ?? attrOf('data-srcset');
  if (srcset) {
    const s = srcsetOf(srcset);
    if (s) out += ` srcset="${escAttr(s)}"`;
  }
  return `${out} loading="lazy">`;
}

/** A start tag with its allow-listed attributes, URLs resolved, and the attributes policy adds. */
function startTagHtml(tag: string, allowed: Set<string> | null): string {
  let out = `<${tag}`;
  let hasControls = false;
  const attrs = run.attrs;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i][0];
    if (!(GLOBAL_ATTRS.has(a) || allowed?.has(a))) continue;
    const value = attrs[i][1];
    if (URL_ATTRS.has(a)) {
      const abs = safeUrl(value, tag === 'a' && a === 'href');
      if (abs) out += ` ${a}="${escAttr(abs)}"`;
    } else if (a === 'srcset') {
      const s = srcsetOf(value);
      if (s) out += ` srcset="${escAttr(s)}"`;
    } else if (NUMERIC_ATTRS.has(a)) {
      const d = dim(value);
      if (d !== null) out += ` ${a}="${d}"`;
    } else if (BOOLEAN_ATTRS.has(a)) {
      out += ` ${a}`;
      if (a === 'controls') hasControls = true;
    } else {
      out += ` ${a}="${escAttr(value)}"`;
    }
  }
  if (tag === 'a') out += ' rel="noopener noreferrer"';
  else if (tag === 'iframe') {
    out += ' sandbox="allow-scripts allow-same-origin allow-popups allow-presentation" loading="lazy" referrerpolicy="strict-origin-when-cross-origin"';
  } else if ((tag === 'video' || tag === 'audio') && !hasControls) out += ' controls';
  return `${out}>`;
}

function endTag(name: string): void {
  if (run.dropDepth > 0) {
    if (name === run.dropTag) run.dropDepth--;
    return;
  }
  const rule = ruleFor(name);
  boundary(rule);
  if (run.truncated || rule.isVoid) return;
  const i = endTagTarget(name, run.open);
  if (i >= 0) closeTo(i);
}

const handler: TokenHandler = {
  text: emitText,
  startTag(name, attrs, selfClosing) {
    run.attrs = attrs;
    startTag(name, selfClosing);
  },
  endTag,
};

export function sanitizeHtml(input: string | null | undefined, opts: SanitizeOptions): SanitizeResult {
  if (!input) return { html: '', text: '', images: [], truncated: false, htmlCapped: false };
  const outer = run;
  run = {
    base: opts.base !== undefined ? opts.base : resolveBase(opts.bases ?? []), maxText: opts.maxTextChars ?? Infinity, maxPlain: opts.maxPlainChars ?? 4000,
    maxHtml: opts.maxHtmlChars ?? Infinity, html: '', plain: new PlainText(), images: [], open: [], closeLen: 0, afterPre: false, tables: 0, htmlCapped: false, dropDepth: 0, dropTag: '',
    textLen: 0, truncated: false, attrs: [], image: null,
  };
  try {
    tokenizeHtml(input, handler);
    closeTo(0);
    // Mojibake is repaired once on the result (it never spans markup), not per text chunk.
    return {
      html: repairMojibake(xmlChars(run.html)).trim(),
      text: truncate(collapseWhitespace(repairMojibake(run.plain.text)), run.maxPlain),
      images: run.images,
      truncated: run.truncated,
      htmlCapped: run.htmlCapped,
    };
  } finally {
    run = outer;
  }
}

/** The innermost base of a chain, as an absolute URL (each base resolved against the next one out). */
function resolveBase(bases: Array<string | null | undefined>): string | null {
  let resolved: string | null = null;
  for (let i = bases.length - 1; i >= 0; i--) {
    const b = bases[i];
    if (!b) continue;
    try {
      resolved = new URL(b.trim(), resolved ?? undefined).href;
    } catch {
      // unusable base; keep the outer one
    }
  }
  return resolved;
}
