/**
 * The source list: the default outlets Marquee starts with, and turning an
 * admin's upload (JSON checked against schemas/sources.schema.json, or OPML)
 * into a validated `Source[]`. Problems are collected and reported together,
 * each naming the entry it concerns.
 */
import { Validator } from '@cfworker/json-schema';
import sourcesSchema from '../schemas/sources.schema.json';
import { urlPolicyViolation } from './fetch';
import { safeText } from './parse/charset';
import { readXml, type XmlElement } from './parse/xml';
import { OPML_NAMESPACE } from './render/opml';
import type { Source } from './model';

/** Public feeds of well-known entertainment outlets, used until an admin uploads a list. */
export const DEFAULT_SOURCES: Source[] = [
  ['variety', 'Variety', 'https://variety.com/feed/', 'https://variety.com/', 'film'],
  ['deadline', 'Deadline', 'https://deadline.com/feed/', 'https://deadline.com/', 'tv'],
  ['hollywood-reporter', 'The Hollywood Reporter', 'https://www.hollywoodreporter.com/feed/', 'https://www.hollywoodreporter.com/', 'film'],
  ['billboard', 'Billboard', 'https://www.billboard.com/feed/', 'https://www.billboard.com/', 'music'],
  ['rolling-stone', 'Rolling Stone', 'https://www.rollingstone.com/feed/', 'https://www.rollingstone.com/', 'music'],
  ['eonline', 'E! News', 'https://www.eonline.com/syndication/feeds/rssfeeds/topstories.xml', 'https://www.eonline.com/', 'celebrity'],
  ['tmz', 'TMZ', 'https://www.tmz.com/rss.xml', 'https://www.tmz.com/', 'celebrity'],
  ['pitchfork', 'Pitchfork', 'https://pitchfork.com/feed/feed-news/rss', 'https://pitchfork.com/', 'music'],
  ['vulture', 'Vulture', 'https://www.vulture.com/rss/index.xml', 'https://www.vulture.com/', 'tv'],
  ['indiewire', 'IndieWire', 'https://www.indiewire.com/feed/', 'https://www.indiewire.com/', 'film'],
  ['bbc-entertainment', 'BBC News: Entertainment & Arts', 'https://feeds.bbci.co.uk/news/entertainment_and_arts/rss.xml', 'https://www.bbc.co.uk/news/entertainment_and_arts', 'culture'],
  ['guardian-culture', 'The Guardian: Culture', 'https://www.theguardian.com/culture/rss', 'https://www.theguardian.com/culture', 'culture'],
  ['nyt-arts', 'The New York Times: Arts', 'https://rss.nytimes.com/services/xml/rss/nyt/Arts.xml', 'https://www.nytimes.com/section/arts', 'culture'],
  ['npr-arts', 'NPR: Arts & Life', 'https://feeds.npr.org/1008/rss.xml', 'https://www.npr.org/sections/arts/', 'culture'],
  ['av-club', 'The A.V. Club', 'https://www.avclub.com/rss', 'https://www.avclub.com/', 'tv'],
  ['consequence', 'Consequence', 'https://consequence.net/feed/', 'https://consequence.net/', 'music'],
  ['stereogum', 'Stereogum', 'https://www.stereogum.com/feed/', 'https://www.stereogum.com/', 'music'],
  ['screen-rant', 'Screen Rant', 'https://screenrant.com/feed/', 'https://screenrant.com/', 'film'],
  ['collider', 'Collider', 'https://collider.com/feed/', 'https://collider.com/', 'film'],
].map(([id, title, url, home_page_url, category]) => ({ id, title, url, home_page_url, category }));

export class SourceListError extends Error {
  readonly code = 'INVALID_SOURCES';
  constructor(readonly problems: string[]) {
    super(`invalid source list: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`);
  }
}

const validator = new Validator(sourcesSchema as object, '2020-12', false);

/** Validate a parsed JSON body; returns normalized sources or throws SourceListError. */
export function sourcesFromJson(body: unknown, allowPrivate: boolean): Source[] {
  const result = validator.validate(body);
  if (!result.valid) {
    const problems = result.errors
      .filter((e) => e.keyword !== 'properties' && e.keyword !== 'items' && e.keyword !== '$ref')
      .map((e) => `${e.instanceLocation || '/'}: ${e.error}`);
    // Every problem at once: the URL policy (credentials, private hosts) too, for entries whose URL is a string.
    const urls = Array.isArray(body) ? body.map((s) => (typeof s?.url === 'string' ? s.url : null)) : [];
    urls.forEach((u, i) => {
      const v = u ? urlPolicyViolation(u.trim(), allowPrivate) : null;
      if (v) problems.push(`/${i}/url: ${v}`);
    });
    throw new SourceListError(problems.length ? problems : ['does not match schemas/sources.schema.json']);
  }
  return finish(
    (body as Array<Record<string, string | null | undefined>>).map((s) => ({
      id: s.id as string,
      url: (s.url as string).trim(),
      // A JSON escape can name an unpaired surrogate or a control character: neither is served.
      title: safeText(s.title?.trim() ?? '') || null,
      home_page_url: s.home_page_url?.trim() || null,
      category: safeText(s.category?.trim().toLowerCase() ?? '') || null,
    })),
    allowPrivate,
  );
}

/** Id rules of schemas/sources.schema.json, checked before an OPML `marquee:id` is used. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Room left for a `-n` suffix within the 64 characters an id may have. */
const ID_BASE_MAX = 48;
/** Words in feed URLs that name the format, not the feed. */
const GENERIC_URL_WORDS = new Set(['www', 'feed', 'feeds', 'rss', 'rss2', 'atom', 'xml', 'index', 'default', 'export', 'syndication', 'rssfeeds', 'api', 'en', 'us', 'uk']);

/**
 * A title as an id: Latin letters (accents dropped, NFKD), digits and hyphens, at most
 * ID_BASE_MAX characters, never ending in a hyphen. Empty when the title gives nothing usable
 * (a Cyrillic or Chinese title has no Latin letters left, "20" is no name).
 */
export function slug(s: string): string {
  const ascii = s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const id = ascii.slice(0, ID_BASE_MAX).replace(/^-+|-+$/g, '');
  return (id.match(/[a-z]/g)?.length ?? 0) >= 2 ? id : '';
}

/**
 * An id from a feed URL, for a title that gives none: the host's name without `www.`/`feeds.`
 * and its public suffix, then the path's words that are not generic
 * (`https://feeds.bbci.co.uk/news/world/rss.xml` -> `bbci-news-world`).
 */
export function idFromUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '';
  }
  // An address names no feed.
  const labels = /^[\d.]+$|^\[/.test(u.hostname) ? [] : u.hostname.toLowerCase().split('.').filter(Boolean);
  // The last label is the TLD; a short second-level label before a country code (co.uk, com.au) goes too.
  labels.pop();
  if (labels.length > 1 && labels[labels.length - 1].length <= 3 && /^[a-z]{2}$/.test(u.hostname.split('.').pop() ?? '')) labels.pop();
  const host = labels.filter((l) => !GENERIC_URL_WORDS.has(l)).pop() ?? labels.pop() ?? '';
  const words = decodeURIComponent(u.pathname).toLowerCase().replace(/\.[a-z0-9]{2,5}$/, '').split(/[^a-z0-9]+/)
    .filter((w) => w && !GENERIC_URL_WORDS.has(w));
  return [host, ...words].join('-').replace(/-+/g, '-').slice(0, ID_BASE_MAX).replace(/^-+|-+$/g, '');
}

/**
 * Unique ids in time linear in the number of sources: each base remembers the next suffix to
 * try, so `variety`, `variety-2`, ... never rescans from 2. `probes` counts the ids tried, for
 * the test that holds it to a small multiple of the sources.
 */
export class IdAllocator {
  private readonly used = new Set<string>();
  private readonly next = new Map<string, number>();
  probes = 0;

  reserve(id: string): boolean {
    if (this.used.has(id)) return false;
    this.used.add(id);
    return true;
  }

  allocate(base: string): string {
    let id = base;
    let n = this.next.get(base) ?? 2;
    this.probes++;
    while (this.used.has(id)) {
      id = `${base}-${n++}`;
      this.probes++;
    }
    this.next.set(base, n);
    this.used.add(id);
    return id;
  }
}

/** At most this many outlines are read from one OPML upload (the JSON list's limit, plus one to say so). */
const MAX_SOURCES = (sourcesSchema as { maxItems: number }).maxItems;

interface OpmlFeed {
  xmlUrl: string;
  explicitId: string | null;
  title: string | null;
  home_page_url: string | null;
  category: string | null;
}

/** The prefix a document bound to Marquee's namespace, if it did (attribute names come back lowercased). */
function marqueePrefix(doc: ReturnType<typeof readXml>): string {
  for (const [prefix, uri] of Object.entries(doc.rootNamespaces)) if (uri === OPML_NAMESPACE && prefix) return prefix.toLowerCase();
  return 'marquee';
}

/**
 * Every outline with an xmlUrl, in document order, walked with an explicit stack so that any
 * depth of nesting is fine (a recursive walk ran out of stack at a few thousand levels). A
 * parent outline without an xmlUrl is a folder: its text is the category of what it holds.
 * Stops once it has more feeds than a source list may hold.
 */
function opmlFeeds(body: XmlElement | undefined, idAttr: string): OpmlFeed[] {
  const out: OpmlFeed[] = [];
  const stack: Array<{ outlines: XmlElement[]; i: number; category: string | null }> = [{ outlines: body?.children ?? [], i: 0, category: null }];
  while (stack.length && out.length <= MAX_SOURCES) {
    const top = stack[stack.length - 1];
    if (top.i >= top.outlines.length) {
      stack.pop();
      continue;
    }
    const o = top.outlines[top.i++];
    if (o.name !== 'outline') continue;
    const a = o.attrs;
    const xmlUrl = a.xmlurl?.trim();
    if (xmlUrl) {
      out.push({
        xmlUrl,
        explicitId: a[idAttr]?.trim() || null,
        title: (a.title || a.text || '').trim() || null,
        home_page_url: a.htmlurl?.trim() || null,
        category: (a.category?.split(/[,/]/).filter(Boolean).pop() ?? top.category)?.trim().toLowerCase() || null,
      });
    }
    if (o.children.length) stack.push({ outlines: o.children, i: 0, category: xmlUrl ? top.category : (a.text || a.title || top.category) });
  }
  return out;
}

/**
 * OPML 2.0 subscription list (http://opml.org/spec2.opml): every outline with an xmlUrl is a
 * source; a parent outline without one is a folder, and its text becomes the category. Read
 * with the same tolerant XML reader as feeds. The list then passes the same checks as a JSON
 * upload (schemas/sources.schema.json: at most 5,000 sources, title and category lengths, id
 * pattern), so both ways in have the same limits.
 *
 * Ids: an outline's `marquee:id` (Marquee's own export writes it, see render/opml.ts) is kept,
 * so re-importing an export keeps every id and the entries stored under it. Otherwise the id
 * comes from the title (`slug`), else from the feed URL's host and path (`idFromUrl`), made
 * unique with `-2`, `-3`... after the explicit ids are reserved.
 */
export function sourcesFromOpml(text: string, allowPrivate: boolean): Source[] {
  const doc = readXml(text);
  if (doc.root?.name !== 'opml') throw new SourceListError([`OPML: no <opml> root${doc.root ? ` (found <${doc.root.name}>)` : ''}`]);
  const body = doc.root.children.find((c) => c.name === 'body');
  const feeds = opmlFeeds(body, `${marqueePrefix(doc)}:id`);
  if (!feeds.length) throw new SourceListError(['OPML: no <outline> with an xmlUrl']);
  if (feeds.length > MAX_SOURCES) throw new SourceListError([`OPML: more than ${MAX_SOURCES} outlines with an xmlUrl (the limit of a source list)`]);
  const ids = new IdAllocator();
  const problems: string[] = [];
  feeds.forEach((f, i) => {
    if (f.explicitId === null) return;
    if (!ID_PATTERN.test(f.explicitId)) problems.push(`/${i}/id: marquee:id "${f.explicitId.slice(0, 80)}" is not a valid id`);
    else if (!ids.reserve(f.explicitId)) problems.push(`/${i}/id: duplicate id "${f.explicitId}"`);
  });
  if (problems.length) throw new SourceListError(problems);
  const list = feeds.map((f) => ({
    id: f.explicitId ?? ids.allocate(slug(f.title ?? '') || idFromUrl(f.xmlUrl) || 'feed'),
    url: f.xmlUrl,
    title: f.title,
    home_page_url: f.home_page_url,
    category: f.category,
  }));
  return sourcesFromJson(list, allowPrivate);
}

function finish(sources: Source[], allowPrivate: boolean): Source[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  sources.forEach((s, i) => {
    if (seen.has(s.id)) problems.push(`/${i}/id: duplicate id "${s.id}"`);
    seen.add(s.id);
    const v = urlPolicyViolation(s.url, allowPrivate);
    if (v) problems.push(`/${i}/url: ${v}`);
    if (s.home_page_url && !/^https?:\/\//i.test(s.home_page_url)) problems.push(`/${i}/home_page_url: must be an http(s) URL`);
  });
  if (problems.length) throw new SourceListError(problems);
  return sources;
}
