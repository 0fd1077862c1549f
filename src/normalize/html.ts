/**
 * The HTML sanitizer: an allow-list over htmlparser2's tokenizer, in one pass
 * that also yields the plain text and the images of the fragment.
 *
 * What survives: the structural and inline tags a news article uses, a few
 * attributes per tag, absolute http(s) URLs (mailto: on links), and iframes
 * from video/audio hosts on IFRAME_HOSTS (sandboxed). What goes: scripts,
 * styles, event handlers, `style`/`class`/`id`, forms and their controls,
 * objects/embeds, SVG/MathML, `javascript:`/`vbscript:`/`data:` URLs, and
 * tracking pixels (1x1 images, known beacon hosts). Every text node and
 * attribute value is re-escaped on output, so nothing the parser decoded can
 * reopen markup.
 *
 * Why not HTMLRewriter: it exists only inside workerd, so the pure core could
 * not be tested in Node, and it needs a Response round trip per fragment; the
 * measurement behind the choice is in the README ("Sanitizer").
 */
import { Parser } from 'htmlparser2';
import { collapseWhitespace, truncate } from './text';
import { resolveUrl } from './url';

const ALLOWED_TAGS = new Set([
  'a', 'abbr', 'acronym', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'cite',
  'code', 'col', 'colgroup', 'dd', 'del', 'details', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'footer',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'picture', 'pre',
  'q', 'rp', 'rt', 'ruby', 's', 'samp', 'section', 'small', 'source', 'span', 'strike', 'strong', 'sub', 'summary', 'sup',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'tt', 'u', 'ul', 'var', 'wbr', 'video', 'audio', 'iframe',
]);

/** Dropped together with everything inside them. */
const DROP_WITH_CONTENT = new Set([
  'script', 'style', 'template', 'object', 'embed', 'applet', 'frame', 'frameset', 'noembed', 'noframes', 'svg', 'math',
  'head', 'title', 'meta', 'link', 'base', 'param', 'textarea', 'select', 'button', 'option', 'optgroup', 'datalist',
  'input', 'xmp', 'plaintext', 'iframe-blocked', 'dialog', 'canvas', 'map', 'area', 'portal', 'slot',
]);

const VOID = new Set(['br', 'hr', 'img', 'wbr', 'col', 'source']);

const GLOBAL_ATTRS = new Set(['title', 'lang', 'dir']);
const TAG_ATTRS: Record<string, Set<string>> = {
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
const URL_ATTRS = new Set(['href', 'src', 'poster', 'cite']);

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

export function isTrackingPixel(src: string, width: number | null, height: number | null): boolean {
  if ((width !== null && width <= 2 && (height === null || height <= 2)) || (height !== null && height <= 2 && (width === null || width <= 2))) return true;
  return BEACONS.some((re) => re.test(src));
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
}

export interface SanitizeOptions {
  /** Bases for relative URLs, innermost first (xml:base, feed link, feed URL). */
  bases: Array<string | null | undefined>;
  /** Stop after this many characters of text; open tags are closed and an ellipsis added. */
  maxTextChars?: number;
  /** Cap on the plain text returned. */
  maxPlainChars?: number;
}

const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

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

/** Resolve a URL attribute; null when it is not http(s) (or mailto: for links). */
function safeUrl(value: string, bases: SanitizeOptions['bases'], allowMailto: boolean): string | null {
  const v = value.trim();
  if (allowMailto && /^mailto:/i.test(v)) return /^mailto:[^\s"<>]+$/i.test(v) ? v : null;
  return resolveUrl(v, ...bases);
}

function safeSrcset(value: string, bases: SanitizeOptions['bases']): string | null {
  const parts = value.split(',').map((c) => c.trim()).filter(Boolean).map((candidate) => {
    const [u, ...desc] = candidate.split(/\s+/);
    const abs = resolveUrl(u, ...bases);
    return abs ? [abs, ...desc.filter((d) => /^\d+(\.\d+)?[wx]$/.test(d))].join(' ') : null;
  });
  if (parts.some((p) => p === null)) return null;
  return parts.length ? parts.join(', ') : null;
}

const BLOCK_TEXT = new Set(['p', 'div', 'br', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'hr', 'figure', 'figcaption', 'dt', 'dd', 'table', 'section', 'article', 'header', 'footer', 'aside', 'address', 'details', 'summary']);

export function sanitizeHtml(input: string | null | undefined, opts: SanitizeOptions): SanitizeResult {
  if (!input) return { html: '', text: '', images: [], truncated: false };
  const maxText = opts.maxTextChars ?? Infinity;
  const out: string[] = [];
  const text: string[] = [];
  const images: SanitizedImage[] = [];
  const open: string[] = [];
  let dropDepth = 0;
  let dropTag = '';
  let textLen = 0;
  let truncated = false;
  let plainLen = 0;
  const maxPlain = opts.maxPlainChars ?? 4000;

  const pushPlain = (s: string) => {
    if (plainLen > maxPlain * 2) return;
    text.push(s);
    plainLen += s.length;
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (truncated) return;
        if (dropDepth > 0) {
          if (name === dropTag) dropDepth++;
          return;
        }
        if (BLOCK_TEXT.has(name)) pushPlain(' ');
        let tag = name;
        if (tag === 'iframe') {
          const src = attribs.src ? safeUrl(attribs.src, opts.bases, false) : null;
          if (!src || !iframeAllowed(src)) tag = 'iframe-blocked';
        }
        if (DROP_WITH_CONTENT.has(tag)) {
          if (!VOID.has(name) && !['meta', 'link', 'base', 'param', 'input', 'area'].includes(name)) {
            dropDepth = 1;
            dropTag = name;
          }
          return;
        }
        if (!ALLOWED_TAGS.has(tag)) return; // unknown or presentational: drop the tag, keep its content

        const allowed = TAG_ATTRS[tag];
        const attrs: string[] = [];
        if (tag === 'img') {
          // Lazy-loading markup keeps the real URL in data-src; a data: placeholder is not an image.
          let src = attribs.src;
          if (!src || /^data:/i.test(src.trim())) src = attribs['data-src'] ?? attribs['data-lazy-src'] ?? attribs['data-original'] ?? '';
          const abs = src ? safeUrl(src, opts.bases, false) : null;
          const w = dim(attribs.width);
          const h = dim(attribs.height);
          if (!abs || isTrackingPixel(abs, w, h)) return;
          images.push({ url: abs, width: w, height: h });
          attrs.push(`src="${escAttr(abs)}"`);
          for (const a of ['alt', 'title', 'width', 'height'] as const) {
            if (attribs[a] !== undefined && (a === 'alt' || a === 'title' || dim(attribs[a]) !== null)) attrs.push(`${a}="${escAttr(attribs[a])}"`);
          }
          const srcset = attribs.srcset ?? attribs['data-srcset'];
          if (srcset) {
            const s = safeSrcset(srcset, opts.bases);
            if (s) attrs.push(`srcset="${escAttr(s)}"`);
          }
          attrs.push('loading="lazy"');
        } else {
          for (const [rawName, value] of Object.entries(attribs)) {
            const a = rawName.toLowerCase();
            if (!(GLOBAL_ATTRS.has(a) || allowed?.has(a))) continue;
            if (URL_ATTRS.has(a)) {
              const abs = safeUrl(value, opts.bases, tag === 'a' && a === 'href');
              if (!abs) continue;
              attrs.push(`${a}="${escAttr(abs)}"`);
            } else if (a === 'srcset') {
              const s = safeSrcset(value, opts.bases);
              if (s) attrs.push(`srcset="${escAttr(s)}"`);
            } else if (a === 'width' || a === 'height' || a === 'colspan' || a === 'rowspan' || a === 'span' || a === 'start' || a === 'value') {
              if (dim(value) !== null) attrs.push(`${a}="${dim(value)}"`);
            } else if (a === 'controls' || a === 'allowfullscreen' || a === 'reversed' || a === 'open') {
              attrs.push(a);
            } else {
              attrs.push(`${a}="${escAttr(value)}"`);
            }
          }
          if (tag === 'a') attrs.push('rel="noopener noreferrer"');
          if (tag === 'iframe') {
            attrs.push('sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"', 'loading="lazy"', 'referrerpolicy="strict-origin-when-cross-origin"');
          }
          if ((tag === 'video' || tag === 'audio') && !attrs.includes('controls')) attrs.push('controls');
        }
        out.push(attrs.length ? `<${tag} ${attrs.join(' ')}>` : `<${tag}>`);
        if (!VOID.has(tag)) open.push(tag);
      },
      onclosetag(name) {
        if (dropDepth > 0) {
          if (name === dropTag) dropDepth--;
          return;
        }
        if (BLOCK_TEXT.has(name)) pushPlain(' ');
        if (truncated || VOID.has(name)) return;
        const i = open.lastIndexOf(name);
        if (i < 0) return;
        while (open.length > i) out.push(`</${open.pop()}>`);
      },
      ontext(data) {
        if (dropDepth > 0 || truncated) return;
        let t = data;
        if (textLen + t.length > maxText) {
          t = truncate(t, Math.max(1, maxText - textLen));
          truncated = true;
        }
        textLen += t.length;
        out.push(escText(t));
        pushPlain(t);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(input);
  parser.end();
  while (open.length) out.push(`</${open.pop()}>`);
  return {
    html: out.join('').trim(),
    text: truncate(collapseWhitespace(text.join('')), maxPlain),
    images,
    truncated,
  };
}
