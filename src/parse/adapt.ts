/**
 * Adapters from a document onto our one `ParsedFeed` model: RSS 0.90-2.0,
 * RSS 1.0 (RDF), Atom 0.3 and 1.0 from the XML tree (xml.ts), JSON Feed 1.0
 * and 1.1 (and Dave Winer's "RSS in JSON") from parsed JSON.
 *
 * Each adapter only moves fields: it does not clean text, resolve URLs or
 * read dates (normalize/ does that), so what the document said is kept as
 * said. Every string field is HTML for normalize: fields the format defines
 * as plain text are escaped here, so normalize has one rule. The precedence
 * of each field is written out where it is read, the way Miniflux's
 * reader/{rss,atom,json}/adapter.go does it.
 */
import type { ParsedEnclosure, ParsedFeed, ParsedImage, ParsedItem } from '../model';
import { child, children, childText, deepText, innerSource, MAX_XML_DEPTH, type XmlDocument, type XmlElement } from './xml';

const str = (v: unknown): string | null => {
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? null : t;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
};

function first<T>(...vals: Array<T | null | undefined>): T | null {
  for (const v of vals) if (v !== null && v !== undefined && (v as unknown) !== '') return v;
  return null;
}

const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

function uniq(xs: Array<string | null>): string[] {
  const out: string[] = [];
  for (const x of xs) {
    const t = x?.trim();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const IMAGE_EXT = /\.(jpe?g|png|gif|webp|avif)(\?|#|$)/i;

// ---- shared XML helpers ----------------------------------------------------------

/**
 * An element's content as HTML. Feeds put HTML in text three ways: escaped
 * (`&lt;p&gt;`), in CDATA, or as raw child elements (not allowed by RSS, common
 * anyway); the last one is read back from the source.
 */
function htmlOf(doc: XmlDocument, el: XmlElement | null): string | null {
  if (!el) return null;
  if (el.children.length) return str(innerSource(doc, el));
  return str(el.text);
}

/**
 * XML Base (W3C XML Base §4.2): a relative xml:base is resolved against the
 * base in effect outside it. When the outer base is itself relative it cannot be
 * resolved here (parse does not know the document URL), so the inner one is
 * kept and normalize resolves it against the feed's base chain.
 */
function withBase(outer: string | null, el: XmlElement | null): string | null {
  const raw = el?.attrs['xml:base'];
  if (raw === undefined) return outer;
  const b = raw.trim();
  // xml:base="" is a same-document reference: the base outside it still applies (RFC 3986 §5.2.2),
  // which for the root means the document's own URL; '' says exactly that to normalize.
  if (!b) return outer ?? '';
  if (outer && /^[a-z][a-z0-9+.-]*:/i.test(outer)) {
    try {
      return new URL(b, outer).href;
    } catch {
      return b;
    }
  }
  return b;
}

/** xml:lang in effect (XML 1.0 §2.12). */
const langOf = (outer: string | null, el: XmlElement | null): string | null => str(el?.attrs['xml:lang']) ?? outer;

/**
 * A person as written in RSS `<author>` / `managingEditor` (RFC 822 mailbox, in
 * practice `email (Name)`, `Name <email>` or either alone): the name when
 * there is one, else what was written.
 */
export function personName(raw: string | null): string | null {
  const s = str(raw);
  if (!s) return null;
  let m = /^([^\s()<>]+@[^\s()<>]+)\s*\((.+)\)$/.exec(s);
  if (m) return m[2].trim();
  m = /^(.+?)\s*<[^<>\s]+@[^<>\s]+>$/.exec(s);
  if (m) return m[1].replace(/^"|"$/g, '').trim();
  m = /^(.+?)\s*\(([^()\s]+@[^()\s]+)\)$/.exec(s);
  if (m) return m[1].trim();
  m = /^mailto:(.+)$/i.exec(s);
  return m ? m[1] : s;
}

function mediaImages(el: XmlElement | null, out: ParsedImage[] = []): ParsedImage[] {
  if (!el) return out;
  // Media RSS 1.5.1: media:thumbnail and media:content may sit on the item, in a
  // media:group, or (thumbnails) inside a media:content.
  for (const c of el.children) {
    if (c.name === 'media:thumbnail') {
      const url = str(c.attrs.url);
      if (url) out.push({ url, width: num(c.attrs.width), height: num(c.attrs.height), origin: 'media:thumbnail' });
    } else if (c.name === 'media:content') {
      const url = str(c.attrs.url);
      const medium = c.attrs.medium?.toLowerCase();
      const type = c.attrs.type?.toLowerCase() ?? '';
      const isImage = medium === 'image' || type.startsWith('image/') || (!medium && !type && url !== null && IMAGE_EXT.test(url));
      if (url && isImage) out.push({ url, width: num(c.attrs.width), height: num(c.attrs.height), origin: 'media:content' });
      mediaImages(c, out);
    } else if (c.name === 'media:group') {
      mediaImages(c, out);
    }
  }
  return out;
}

function enclosureImages(enclosures: ParsedEnclosure[]): ParsedImage[] {
  return enclosures
    .filter((e) => (e.type ?? '').toLowerCase().startsWith('image/') || (!e.type && IMAGE_EXT.test(e.url)))
    .map((e) => ({ url: e.url, width: null, height: null, origin: 'enclosure' as const }));
}

function itunesImage(el: XmlElement | null): ParsedImage[] {
  const img = child(el, 'itunes:image');
  // The spec says href; feeds also write the URL as text.
  const url = first(str(img?.attrs.href), str(img?.attrs.url), str(img?.text));
  return url ? [{ url, width: null, height: null, origin: 'itunes:image' }] : [];
}

/**
 * Media RSS text in media:title / media:description, on the item, in its media:group or in its
 * media:content (Media RSS 1.5.1 §5.1, §5.4). type="plain" (the default) is text: it is escaped,
 * and its blank lines and line breaks become paragraphs and <br> (a YouTube description is
 * written that way).
 */
function mediaText(doc: XmlDocument, el: XmlElement, name: string): string | null {
  const direct = child(el, name) ?? child(child(el, 'media:group'), name) ?? child(child(el, 'media:content'), name);
  if (!direct) return null;
  if (direct.attrs.type === 'html') return htmlOf(doc, direct);
  const text = str(direct.text);
  return text === null ? null : plainToHtml(text);
}

/** Plain text as HTML that keeps its paragraphs and line breaks. */
function plainToHtml(text: string): string {
  const paras = text.split(/\r?\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  if (paras.length < 2 && !/\n/.test(text)) return escapeText(text);
  return paras.map((p) => `<p>${escapeText(p).replace(/\s*\r?\n\s*/g, '<br>')}</p>`).join('');
}

function atomLinks(el: XmlElement, base: string | null): Array<{ href: string; rel: string; type: string | null; length: number | null }> {
  const out: Array<{ href: string; rel: string; type: string | null; length: number | null }> = [];
  for (const l of el.children) {
    if (l.name !== 'atom:link' && l.name !== 'link') continue;
    // RFC 4287 §4.2.7: href is required. An empty href is a same-document reference (RFC 3986
    // §4.4) and is kept as ''; a link that carries its URL as text instead is read that way;
    // an RSS <link> (text, no rel) is not an Atom link and is skipped.
    let href: string | null = l.attrs.href === undefined ? null : l.attrs.href.trim();
    if (href === null && l.attrs.rel !== undefined) href = str(l.text);
    if (href === null) continue;
    const own = l.attrs['xml:base'];
    if (own && href) href = resolveAgainst(href, withBase(base, l));
    out.push({ href, rel: (str(l.attrs.rel) ?? 'alternate').toLowerCase(), type: str(l.attrs.type), length: num(l.attrs.length) });
  }
  return out;
}

function resolveAgainst(href: string, base: string | null): string {
  if (!base || !/^[a-z][a-z0-9+.-]*:/i.test(base)) return href;
  try {
    return new URL(href, base).href;
  } catch {
    return href;
  }
}

/**
 * W3C WebSub §4 (discovery): the hubs (`rel="hub"`, any number) and the topic (`rel="self"`, the
 * first) among a feed's Atom links, absolute http(s) URLs only. Empty when there is no hub.
 */
function websubLinks(links: ReturnType<typeof atomLinks>): Pick<ParsedFeed, 'hubs' | 'self'> {
  const http = (u: string) => /^https?:\/\//i.test(u);
  const hubs = uniq(links.filter((l) => l.rel === 'hub' && http(l.href)).map((l) => l.href));
  if (!hubs.length) return {};
  return { hubs, self: links.find((l) => l.rel === 'self' && http(l.href))?.href ?? null };
}

/** RFC 4287 §4.2.7.2: rel="alternate" (the default); one typed as HTML first, then an untyped one. */
function alternateHref(links: ReturnType<typeof atomLinks>): string | null {
  const alts = links.filter((l) => l.rel === 'alternate');
  return (alts.find((l) => l.type && /html/i.test(l.type)) ?? alts.find((l) => !l.type) ?? alts[0])?.href ?? null;
}

// ---- RSS 0.9x / 2.0 ----------------------------------------------------------------

function rssEnclosures(it: XmlElement, base: string | null): ParsedEnclosure[] {
  const out: ParsedEnclosure[] = [];
  for (const e of children(it, 'enclosure')) {
    const url = str(e.attrs.url) ?? str(e.attrs.href);
    if (url) out.push({ url, type: str(e.attrs.type), length: num(e.attrs.length) });
  }
  // Atom's link rel="enclosure" inside RSS counts too.
  for (const l of atomLinks(it, base)) {
    if (l.rel === 'enclosure' && !out.some((e) => e.url === l.href)) out.push({ url: l.href, type: l.type, length: l.length });
  }
  return out;
}

const ABSOLUTE_URL = /^https?:\/\//i;

function rssItem(doc: XmlDocument, it: XmlElement, channelBase: string | null, channelLang: string | null, channelAuthors: string[]): ParsedItem {
  const base = withBase(channelBase, it);
  // One pass over the item's children picks out everything read below (a feed of 5,000 items
  // made the per-field child lookups a measurable part of parsing).
  let guidEl: XmlElement | null = null, linkEl: XmlElement | null = null, titleEl: XmlElement | null = null;
  let descEl: XmlElement | null = null, contentEl: XmlElement | null = null, contentRank = 9;
  let dcTitle: XmlElement | null = null, itunesTitle: XmlElement | null = null, dcDesc: XmlElement | null = null;
  let itunesSummary: XmlElement | null = null, itunesSubtitle: XmlElement | null = null;
  let published: string | null = null, publishedRank = 9, updated: string | null = null, updatedRank = 9;
  let dcLanguage: string | null = null, itunesAuthor: string | null = null, duration: string | null = null;
  let hasAtom = false, hasMedia = false, hasItunesImage = false;
  const authors: Array<string | null> = [];
  const enclosureEls: XmlElement[] = [];
  for (const c of it.children) {
    switch (c.name) {
      case 'guid': guidEl ??= c; break;
      case 'link': if (!linkEl && (str(c.text) || str(c.attrs.href))) linkEl = c; break;
      case 'title': titleEl ??= c; break;
      case 'description': descEl ??= c; break;
      // content:encoded, else an XHTML body, else Userland's <fullitem> (escaped HTML).
      case 'content:encoded': if (contentRank > 0) { contentEl = c; contentRank = 0; } break;
      case 'xhtml:body': if (contentRank > 1) { contentEl = c; contentRank = 1; } break;
      case 'body': if (contentRank > 2) { contentEl = c; contentRank = 2; } break;
      case 'fullitem': if (contentRank > 3) { contentEl = c; contentRank = 3; } break;
      case 'dc:title': dcTitle ??= c; break;
      case 'itunes:title': itunesTitle ??= c; break;
      case 'dc:description': dcDesc ??= c; break;
      case 'itunes:summary': itunesSummary ??= c; break;
      case 'itunes:subtitle': itunesSubtitle ??= c; break;
      case 'enclosure': enclosureEls.push(c); break;
      case 'author': authors.push(c.children.length ? childText(c, 'name') ?? childText(c, 'atom:name') : personName(c.text)); break;
      case 'dc:creator': case 'dc:author': authors.push(personName(c.text)); break;
      case 'atom:author': authors.push(childText(c, 'atom:name')); break;
      case 'itunes:author': itunesAuthor ??= personName(c.text); break;
      case 'dc:language': dcLanguage ??= str(c.text); break;
      case 'itunes:image': hasItunesImage = true; break;
      case 'itunes:duration': duration ??= str(c.text); break;
      default: {
        if (c.name.startsWith('atom:')) hasAtom = true;
        else if (c.name.startsWith('media:')) hasMedia = true;
        // Dates, in order of preference: the first one present wins.
        const pr = PUBLISHED_RANK[c.name];
        if (pr !== undefined && pr < publishedRank) {
          const t = str(c.text);
          if (t) { published = t; publishedRank = pr; }
        }
        const ur = UPDATED_RANK[c.name];
        if (ur !== undefined && ur < updatedRank) {
          const t = str(c.text);
          if (t) { updated = t; updatedRank = ur; }
        }
      }
    }
  }
  if (itunesAuthor) authors.push(itunesAuthor);
  const guid = str(guidEl?.text);
  // RSS 2.0: isPermaLink defaults to true ("the reader may assume that it is a permalink"); a
  // guid that is not an absolute URL is not one, whatever the attribute says.
  const permalink = guid !== null && (guidEl!.attrs.ispermalink ?? 'true').trim().toLowerCase() !== 'false' && ABSOLUTE_URL.test(guid);
  const links = hasAtom ? atomLinks(it, base) : [];
  const enclosures: ParsedEnclosure[] = [];
  for (const e of enclosureEls) {
    const url = str(e.attrs.url) ?? str(e.attrs.href);
    if (url) enclosures.push({ url, type: str(e.attrs.type), length: num(e.attrs.length) });
  }
  // Atom's link rel="enclosure" inside RSS counts too.
  for (const l of links) {
    if (l.rel === 'enclosure' && !enclosures.some((e) => e.url === l.href)) enclosures.push({ url: l.href, type: l.type, length: l.length });
  }
  const images = hasMedia ? mediaImages(it) : [];
  for (const img of enclosureImages(enclosures)) images.push(img);
  if (hasItunesImage) images.push(...itunesImage(it));
  return {
    guid,
    guidIsPermaLink: permalink,
    // link, else a permalink guid, else an Atom alternate link (normalize checks it is a URL)
    link: first(str(linkEl?.text), str(linkEl?.attrs.href), permalink ? guid : null, hasAtom ? alternateHref(links) : null),
    title: first(htmlOf(doc, titleEl), htmlOf(doc, dcTitle), hasMedia ? mediaText(doc, it, 'media:title') : null, htmlOf(doc, itunesTitle)),
    summary: first(htmlOf(doc, descEl), htmlOf(doc, dcDesc), hasMedia ? mediaText(doc, it, 'media:description') : null,
      htmlOf(doc, itunesSummary), htmlOf(doc, itunesSubtitle)),
    content: contentEl ? (contentRank === 0 || contentRank === 3 ? htmlOf(doc, contentEl) : str(innerSource(doc, contentEl))) : null,
    contentText: null,
    published,
    updated,
    authors: orInherited(uniq(authors), channelAuthors),
    categories: rssCategories(it),
    enclosures,
    images,
    base,
    contentBase: contentEl?.attrs['xml:base'] ? withBase(base, contentEl) : null,
    summaryBase: descEl?.attrs['xml:base'] ? withBase(base, descEl) : null,
    language: first(dcLanguage, langOf(null, it), channelLang),
    duration,
  };
}

/** RSS item dates by preference: pubDate, then Dublin Core, then Atom's, then names some feeds invent. */
const PUBLISHED_RANK: Record<string, number> = {
  pubdate: 0, 'dc:date': 1, 'dcterms:issued': 2, 'dcterms:created': 3, 'atom:published': 4, published: 5, date: 6,
};
const UPDATED_RANK: Record<string, number> = { 'atom:updated': 0, 'dcterms:modified': 1, updated: 2, lastbuilddate: 3 };

/** Categories in document order: category, dc:subject, media:category, atom:category, and <tags>. */
function rssCategories(it: XmlElement): string[] {
  const out: Array<string | null> = [];
  for (const c of it.children) {
    if (c.name === 'category' || c.name === 'dc:subject') out.push(c.text);
    // Media RSS §5.9: the label is the human-readable form of the category.
    else if (c.name === 'media:category') out.push(first(str(c.attrs.label), str(c.text)));
    else if (c.name === 'atom:category') out.push(first(str(c.attrs.label), str(c.attrs.term)));
    // <tags>: a comma-separated list some blog engines write (feedparser reads it too).
    else if (c.name === 'tags') out.push(...c.text.split(','));
  }
  return uniq(out);
}

const orInherited = (own: string[], inherited: string[]): string[] => (own.length ? own : inherited);

function skipLists(channel: XmlElement | null): { skipHours: number[]; skipDays: string[] } {
  const skipHours = children(child(channel, 'skiphours'), 'hour').map((h) => Number(h.text.trim()))
    .filter((h) => Number.isInteger(h) && h >= 0 && h <= 24);
  const skipDays = children(child(channel, 'skipdays'), 'day').map((d) => d.text.trim()).filter(Boolean);
  return { skipHours, skipDays };
}

export function adaptRss(doc: XmlDocument, root: XmlElement): ParsedFeed {
  // <rss><channel>...; RSS 0.91 documents exist with <channel> as the root.
  const channel = root.name === 'channel' ? root : child(root, 'channel');
  const rootBase = withBase(null, root);
  const base = withBase(rootBase, channel);
  const lang = first(childText(channel, 'language'), childText(channel, 'dc:language'), langOf(null, channel), langOf(null, root));
  // Items belong in the channel; some feeds put them beside it.
  const itemEls = [...children(channel, 'item'), ...(channel !== root ? children(root, 'item') : [])];
  const version = str(root.attrs.version);
  const links = channel ? atomLinks(channel, base) : [];
  const channelLinkEl = children(channel, 'link').find((l) => str(l.text));
  // The channel's author(s), for items that name none: dc:creator, itunes:author or an Atom author
  // at channel level (a one-author blog or podcast). managingEditor/webMaster are roles, not authors.
  const channelAuthors = uniq([
    ...children(channel, 'dc:creator').map((a) => personName(a.text)),
    personName(childText(channel, 'itunes:author')),
    ...children(channel, 'atom:author').map((a) => childText(a, 'atom:name')),
  ]);
  return {
    format: 'rss',
    version: version ? `rss ${version}` : 'rss',
    title: first(htmlOf(doc, child(channel, 'title')), htmlOf(doc, child(channel, 'dc:title'))),
    link: first(str(channelLinkEl?.text), alternateHref(links)),
    base,
    language: lang,
    image: first(childText(child(channel, 'image'), 'url'), itunesImage(channel)[0]?.url, mediaImages(channel)[0]?.url),
    ttlMinutes: num(childText(channel, 'ttl')),
    ...skipLists(channel),
    items: itemEls.filter((it) => it.complete).map((it) => rssItem(doc, it, base, lang, channelAuthors)),
    ...websubLinks(links),
  };
}

// ---- RSS 1.0 / 0.90 (RDF) ------------------------------------------------------------

export function adaptRdf(doc: XmlDocument, root: XmlElement): ParsedFeed {
  const channel = child(root, 'channel');
  const base = withBase(withBase(null, root), channel);
  const lang = first(childText(channel, 'dc:language'), langOf(null, channel), langOf(null, root));
  // RSS 1.0 §5.5: items are siblings of the channel; some documents nest them in it.
  const itemEls = [...children(root, 'item'), ...children(channel, 'item')];
  const is090 = Object.values(doc.rootNamespaces).some((u) => /my\.netscape\.com\/rdf\/simple\/0\.9/i.test(u));
  const channelAuthors = uniq(children(channel, 'dc:creator').map((a) => personName(a.text)));
  const items = itemEls.filter((it) => it.complete).map((it): ParsedItem => {
    const itemBase = withBase(base, it);
    const contentEl = child(it, 'content:encoded');
    const about = str(it.attrs['rdf:about']);
    return {
      // RSS 1.0 §5.5: rdf:about is the item's URI, so it is the item's identity.
      guid: first(about, childText(it, 'dc:identifier')),
      guidIsPermaLink: false,
      link: first(childText(it, 'link'), about),
      title: first(htmlOf(doc, child(it, 'title')), htmlOf(doc, child(it, 'dc:title'))),
      summary: first(htmlOf(doc, child(it, 'description')), htmlOf(doc, child(it, 'dc:description')), mediaText(doc, it, 'media:description')),
      content: htmlOf(doc, contentEl),
      contentText: null,
      published: first(childText(it, 'dc:date'), childText(it, 'dcterms:issued'), childText(it, 'dcterms:created'), childText(it, 'pubdate')),
      updated: childText(it, 'dcterms:modified'),
      authors: orInherited(uniq(children(it, 'dc:creator').map((a) => personName(a.text))), channelAuthors),
      categories: uniq(children(it, 'dc:subject').map((c) => c.text)),
      enclosures: rssEnclosures(it, itemBase),
      images: [...mediaImages(it), ...enclosureImages(rssEnclosures(it, itemBase))],
      base: itemBase,
      contentBase: contentEl?.attrs['xml:base'] ? withBase(itemBase, contentEl) : null,
      summaryBase: null,
      language: first(childText(it, 'dc:language'), langOf(null, it), lang),
      duration: childText(it, 'itunes:duration'),
    };
  });
  return {
    format: 'rdf',
    version: is090 ? 'rss 0.90' : 'rss 1.0',
    title: first(htmlOf(doc, child(channel, 'title')), htmlOf(doc, child(channel, 'dc:title'))),
    link: childText(channel, 'link'),
    base,
    language: lang,
    image: first(childText(child(root, 'image'), 'url'), childText(child(channel, 'image'), 'url'), str(child(channel, 'image')?.attrs['rdf:resource'])),
    ttlMinutes: null,
    skipHours: [],
    skipDays: [],
    items,
  };
}

// ---- Atom 1.0 / 0.3 -------------------------------------------------------------------

/**
 * An Atom text construct as HTML (RFC 4287 §3.1): type="text" is escaped,
 * "html" is taken as is, "xhtml" is the markup inside the wrapping div
 * (§3.1.1.3). Atom 0.3 used MIME types and `mode` (xml, escaped, base64).
 */
function textConstruct(doc: XmlDocument, el: XmlElement | null): string | null {
  if (!el) return null;
  const type = (el.attrs.type ?? '').trim().toLowerCase();
  const mode = (el.attrs.mode ?? '').trim().toLowerCase();
  if (mode === 'base64') {
    const decoded = base64Text(el.text);
    if (decoded === null) return null;
    return type === 'text/html' || type === 'html' ? str(decoded) : str(escapeText(decoded));
  }
  if (type === 'xhtml' || type === 'application/xhtml+xml' || (mode === 'xml' && el.children.length)) {
    const div = el.children.find((c) => c.name === 'xhtml:div' || c.name === 'div');
    const onlyDiv = div && el.children.length === 1 && el.text.trim() === '';
    return str(innerSource(doc, onlyDiv ? div : el));
  }
  if (type === 'html' || type === 'text/html' || mode === 'escaped') {
    // TypePad wrapped escaped HTML in an XHTML div: the div is a wrapper, its text is the HTML.
    const only = el.children.length === 1 && el.text.trim() === '' ? el.children[0] : null;
    if (only && (only.name === 'xhtml:div' || only.name === 'div') && !only.children.length) return str(only.text);
    return htmlOf(doc, el);
  }
  if (type === '' || type === 'text' || type.startsWith('text/')) {
    // Plain text; a document that nests markup in it anyway gets that markup's text.
    const t = str(el.children.length ? deepText(el) : el.text);
    return t === null ? null : escapeText(t);
  }
  if (/[+/]xml$/.test(type)) return str(innerSource(doc, el));
  return null; // other media types (RFC 4287 §4.1.3.3: base64 binary) are not text
}

function base64Text(s: string): string | null {
  try {
    const bin = atob(s.replace(/\s+/g, ''));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

function atomPeople(el: XmlElement | null, name: string): string[] {
  return children(el, name).map((a) => first(childText(a, 'name'), childText(a, 'atom:name'), childText(a, 'email'), str(a.text))).filter((x): x is string => !!x);
}

export function adaptAtom(doc: XmlDocument, root: XmlElement): ParsedFeed {
  // RFC 4287 §4.1.2: an Atom Entry Document has a lone <entry> as its root; read it as a feed of one.
  if (root.name === 'entry') root = { ...root, name: 'feed', children: [root], attrs: {} };
  const base = withBase(null, root);
  const lang = langOf(null, root);
  const feedLinks = atomLinks(root, base);
  const feedAuthors = atomPeople(root, 'author');
  const isAtom03 = doc.rootNs !== null ? /purl\.org\/atom\/ns/i.test(doc.rootNs) : root.attrs.version === '0.3';
  const entries = children(root, 'entry');
  const items = entries.filter((e) => e.complete).map((e): ParsedItem => {
    const entryBase = withBase(base, e);
    const links = atomLinks(e, entryBase);
    const enclosures: ParsedEnclosure[] = links.filter((l) => l.rel === 'enclosure').map((l) => ({ url: l.href, type: l.type, length: l.length }));
    const contentEl = child(e, 'content');
    // Out-of-line content (RFC 4287 §4.1.3.2, src=) is a link, not content.
    const content = contentEl && !str(contentEl.attrs.src) ? textConstruct(doc, contentEl) : null;
    const summaryEl = child(e, 'summary');
    const source = child(e, 'source');
    // RFC 4287 §4.2.1: an entry without an author takes its source's, then the feed's.
    let authors = uniq([...atomPeople(e, 'author'), ...children(e, 'dc:creator').map((a) => personName(a.text))]);
    if (!authors.length) authors = uniq(atomPeople(source, 'author'));
    if (!authors.length) authors = uniq(feedAuthors);
    return {
      guid: childText(e, 'id'),
      guidIsPermaLink: false,
      link: alternateHref(links),
      title: first(textConstruct(doc, child(e, 'title')), mediaText(doc, e, 'media:title')),
      // Media RSS text is the only description a YouTube feed has (in media:group).
      summary: first(textConstruct(doc, summaryEl), mediaText(doc, e, 'media:description')),
      content,
      contentText: null,
      // Atom 0.3 used issued / created / modified.
      published: first(childText(e, 'published'), childText(e, 'issued'), childText(e, 'created'), childText(e, 'dc:date'), childText(e, 'dcterms:issued')),
      updated: first(childText(e, 'updated'), childText(e, 'modified'), childText(e, 'dcterms:modified')),
      authors,
      categories: uniq([
        ...children(e, 'category').map((c) => first(str(c.attrs.label), str(c.attrs.term), str(c.text))),
        ...children(e, 'dc:subject').map((c) => c.text),
      ]),
      enclosures,
      images: [...mediaImages(e), ...enclosureImages(enclosures), ...itunesImage(e)],
      base: entryBase,
      contentBase: contentEl?.attrs['xml:base'] ? withBase(entryBase, contentEl) : null,
      summaryBase: summaryEl?.attrs['xml:base'] ? withBase(entryBase, summaryEl) : null,
      language: langOf(lang, e),
      duration: childText(e, 'itunes:duration'),
    };
  });
  return {
    format: 'atom',
    version: isAtom03 ? 'atom 0.3' : 'atom 1.0',
    title: textConstruct(doc, child(root, 'title')),
    link: alternateHref(feedLinks),
    base,
    language: lang,
    image: first(childText(root, 'logo'), childText(root, 'icon'), itunesImage(root)[0]?.url),
    ttlMinutes: null,
    skipHours: [],
    skipDays: [],
    items,
    ...websubLinks(feedLinks),
  };
}

// ---- JSON Feed 1.0 / 1.1 ------------------------------------------------------------------

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function isJsonFeed(doc: Json): boolean {
  // jsonfeed.org/version/1.1: version is required; documents that omit it but have the
  // feed shape (items plus a title or home page) are read too.
  if (typeof doc.version === 'string' && /jsonfeed\.org\/version\/1/i.test(doc.version)) return true;
  return Array.isArray(doc.items) && (typeof doc.title === 'string' || typeof doc.home_page_url === 'string');
}

function jsonAuthors(it: Json): string[] {
  // 1.1 has `authors`; 1.0 had a single `author`, which 1.1 still allows (deprecated). A document
  // written for both readers may carry both: read both.
  const list = [...(Array.isArray(it.authors) ? it.authors : []), ...(it.author ? [it.author] : [])];
  return uniq(list.map((a) => (typeof a === 'string' ? a : str(obj(a)?.name))));
}

export function adaptJson(doc: Json): ParsedFeed {
  const feedAuthors = jsonAuthors(doc);
  const items = arr(doc.items).map(obj).filter((x): x is Json => x !== null).map((it): ParsedItem => {
    const enclosures: ParsedEnclosure[] = arr(it.attachments).map(obj).filter((a): a is Json => !!a && !!str(a.url))
      .map((a) => ({ url: str(a.url)!, type: str(a.mime_type), length: num(a.size_in_bytes), durationSeconds: num(a.duration_in_seconds) }));
    const images: ParsedImage[] = [];
    if (str(it.image)) images.push({ url: str(it.image)!, width: null, height: null, origin: 'json:image' });
    if (str(it.banner_image)) images.push({ url: str(it.banner_image)!, width: null, height: null, origin: 'json:banner_image' });
    images.push(...enclosureImages(enclosures));
    const title = str(it.title);
    const summary = str(it.summary);
    const authors = jsonAuthors(it);
    return {
      // jsonfeed.org: id is a string; numbers occur in the wild and are read as their decimal form.
      guid: str(it.id),
      guidIsPermaLink: false,
      link: first(str(it.url), str(it.external_url)),
      // title and summary are plain text in JSON Feed.
      title: title === null ? null : escapeText(title),
      summary: summary === null ? null : escapeText(summary),
      content: str(it.content_html),
      contentText: str(it.content_text),
      published: str(it.date_published),
      updated: str(it.date_modified),
      authors: authors.length ? authors : feedAuthors,
      categories: uniq(arr(it.tags).map((t) => (typeof t === 'string' ? t : null))),
      enclosures,
      images,
      base: null,
      contentBase: null,
      summaryBase: null,
      language: str(it.language) ?? str(doc.language),
    };
  });
  const version = typeof doc.version === 'string' && /version\/1\.1/.test(doc.version) ? 'json 1.1' : 'json 1.0';
  const title = str(doc.title);
  return {
    format: 'json',
    version,
    title: title === null ? null : escapeText(title),
    link: str(doc.home_page_url),
    base: null,
    language: str(doc.language),
    image: first(str(doc.icon), str(doc.favicon)),
    ttlMinutes: null,
    skipHours: [],
    skipDays: [],
    items,
    ...jsonHubs(doc),
  };
}

/** JSON Feed 1.1 `hubs` (objects with `type` and `url`; WebSub ones) and `feed_url`, the topic. */
function jsonHubs(doc: Json): Pick<ParsedFeed, 'hubs' | 'self'> {
  const hubs = uniq(arr(doc.hubs).map(obj).filter((h): h is Json => !!h && (str(h.type) ?? '').toLowerCase() === 'websub')
    .map((h) => str(h.url)).filter((u): u is string => !!u && /^https?:\/\//i.test(u)));
  if (!hubs.length) return {};
  const self = str(doc.feed_url);
  return { hubs, self: self && /^https?:\/\//i.test(self) ? self : null };
}

/**
 * "RSS in JSON" (github.com/scripting/Scripting-News, rss-in-json/README.md):
 * an RSS 2.0 document written as JSON, `{"rss": {"version", "channel": {"item": [...]}}}`,
 * with attributes and sub-elements both as keys and element text under "#value".
 * It is turned into the element tree the RSS adapter reads.
 */
export function rssInJsonToXml(doc: Json): XmlDocument | null {
  const rss = obj(doc.rss);
  if (!rss || !obj(rss.channel)) return null;
  const toElement = (name: string, v: unknown, depth: number): XmlElement => {
    const el: XmlElement = { name: name.toLowerCase(), attrs: {}, children: [], text: '', innerStart: 0, innerEnd: 0, complete: true, cdata: false };
    // Nesting deeper than the XML reader keeps is not followed (no stack overflow on hostile input).
    const o = depth < MAX_XML_DEPTH ? obj(v) : null;
    if (!o) {
      el.text = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
      return el;
    }
    for (const [k, val] of Object.entries(o)) {
      if (k === '#value') {
        el.text = String(val);
        continue;
      }
      // Scalars are attributes or text-only children; which one is not recorded, so keep both.
      if (val === null || typeof val !== 'object') el.attrs[k.toLowerCase()] = String(val);
      for (const x of Array.isArray(val) ? val : [val]) el.children.push(toElement(k, x, depth + 1));
    }
    return el;
  };
  const root = toElement('rss', rss, 0);
  return { root, doctype: null, internalSubset: false, entities: null, wellFormed: true, rootNs: null, rootNamespaces: {}, source: '' };
}

