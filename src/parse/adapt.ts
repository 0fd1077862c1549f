/**
 * Adapters from feedsmith's per-format trees onto our one `ParsedFeed` model.
 * Each adapter only moves fields; it does not clean text, resolve URLs or read
 * dates (normalize/ does that), so what the document said is kept as said.
 * The field precedence for each format is written out in the adapter, the
 * way Miniflux's reader/{rss,atom,json}/adapter.go does it.
 */
import type { AtomFeed, JsonFeed, RdfFeed, RssFeed } from 'feedsmith';
import type { ParsedEnclosure, ParsedFeed, ParsedImage, ParsedItem } from '../model';

type Any = Record<string, any>;

const str = (v: unknown): string | null => {
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number') return String(v);
  return null;
};
const first = <T>(...vals: Array<T | null | undefined>): T | null => {
  for (const v of vals) if (v !== null && v !== undefined && v !== '') return v;
  return null;
};
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};
const uniq = (xs: string[]): string[] => [...new Set(xs.map((x) => x.trim()).filter(Boolean))];

/** media:thumbnail and media:content images, top level first, then inside media:group. */
function mediaImages(media: Any | undefined): ParsedImage[] {
  if (!media) return [];
  const out: ParsedImage[] = [];
  const visit = (m: Any) => {
    for (const t of m.thumbnails ?? []) {
      if (str(t.url)) out.push({ url: t.url, width: num(t.width), height: num(t.height), origin: 'media:thumbnail' });
    }
    for (const c of m.contents ?? []) {
      const isImage = c.medium === 'image' || (typeof c.type === 'string' && c.type.startsWith('image/')) ||
        (!c.medium && !c.type && /\.(jpe?g|png|gif|webp|avif)(\?|$)/i.test(c.url ?? ''));
      if (isImage && str(c.url)) out.push({ url: c.url, width: num(c.width), height: num(c.height), origin: 'media:content' });
      for (const t of c.thumbnails ?? []) {
        if (str(t.url)) out.push({ url: t.url, width: num(t.width), height: num(t.height), origin: 'media:thumbnail' });
      }
    }
  };
  visit(media);
  for (const g of media.groups ?? []) visit(g);
  return out;
}

function enclosureImages(enclosures: ParsedEnclosure[]): ParsedImage[] {
  return enclosures
    .filter((e) => (e.type ?? '').startsWith('image/') || (!e.type && /\.(jpe?g|png|gif|webp|avif)(\?|$)/i.test(e.url)))
    .map((e) => ({ url: e.url, width: null, height: null, origin: 'enclosure' as const }));
}

function itunesImage(itunes: Any | undefined): ParsedImage[] {
  const u = str(itunes?.image);
  return u ? [{ url: u, width: null, height: null, origin: 'itunes:image' }] : [];
}

function dcAuthors(dc: Any | undefined): string[] {
  return [...(dc?.creators ?? []), ...(dc?.contributors ?? [])].filter((x): x is string => typeof x === 'string');
}

function rssVersion(text: string): string | null {
  const m = /<rss\b[^>]*\bversion\s*=\s*["']([^"']+)["']/i.exec(text.slice(0, 4096));
  return m ? `rss ${m[1]}` : 'rss';
}

export function adaptRss(feed: RssFeed.Feed<string>, text: string): ParsedFeed {
  const f = feed as Any;
  const items: ParsedItem[] = (f.items ?? []).map((it: Any): ParsedItem => {
    const enclosures: ParsedEnclosure[] = (it.enclosures ?? [])
      .filter((e: Any) => str(e.url))
      .map((e: Any) => ({ url: e.url, type: str(e.type), length: num(e.length) }));
    // Atom links inside RSS (atom:link rel=enclosure) count as enclosures too.
    for (const l of it.atom?.links ?? []) {
      if (l.rel === 'enclosure' && str(l.href)) enclosures.push({ url: l.href, type: str(l.type), length: num(l.length) });
    }
    const guid = str(it.guid?.value);
    return {
      guid,
      // RSS 2.0: isPermaLink defaults to true when absent.
      guidIsPermaLink: guid !== null && it.guid?.isPermaLink !== false,
      // link, else a permalink guid, else an alternate atom:link (normalize checks it is a URL)
      link: first(str(it.link), guid !== null && it.guid?.isPermaLink !== false ? guid : null,
        str((it.atom?.links ?? []).find((l: Any) => !l.rel || l.rel === 'alternate')?.href)),
      title: first(str(it.title), str(it.dc?.titles?.[0]), str(it.media?.title?.value)),
      summary: first(str(it.description), str(it.dc?.descriptions?.[0]), str(it.media?.description?.value), str(it.itunes?.summary)),
      content: str(it.content?.encoded),
      contentText: null,
      published: first(str(it.pubDate), str(it.dc?.dates?.[0]), str(it.dcterms?.issued), str(it.dcterms?.created), str(it.atom?.published)),
      updated: first(str(it.atom?.updated), str(it.dcterms?.modified)),
      authors: uniq([
        ...(it.authors ?? []).map((a: Any) => a?.name ?? a?.email ?? '').filter(Boolean),
        ...dcAuthors(it.dc),
        ...(str(it.itunes?.author) ? [it.itunes.author] : []),
      ]),
      categories: uniq([
        ...(it.categories ?? []).map((c: Any) => c?.name ?? ''),
        ...(it.dc?.subjects ?? []),
        ...(it.media?.categories ?? []).map((c: Any) => c?.name ?? ''),
      ]),
      enclosures,
      images: [...mediaImages(it.media), ...enclosureImages(enclosures), ...itunesImage(it.itunes)],
      base: str(it.xml?.base),
      language: str(it.dc?.languages?.[0]),
    };
  });
  return {
    format: 'rss',
    version: rssVersion(text),
    title: first(str(f.title), str(f.dc?.titles?.[0])),
    link: str(f.link),
    base: str(f.xml?.base),
    language: first(str(f.language), str(f.dc?.languages?.[0])),
    image: first(str(f.image?.url), str(f.itunes?.image)),
    ttlMinutes: num(f.ttl),
    skipHours: (f.skipHours ?? []).map(Number).filter((h: number) => Number.isInteger(h) && h >= 0 && h <= 24),
    skipDays: (f.skipDays ?? []).filter((d: unknown): d is string => typeof d === 'string'),
    items,
  };
}

export function adaptRdf(feed: RdfFeed.Feed<string>): ParsedFeed {
  const f = feed as Any;
  const items: ParsedItem[] = (f.items ?? []).map((it: Any): ParsedItem => ({
    // RSS 1.0 §5.5: rdf:about is the item's URI.
    guid: first(str(it.rdf?.about), str(it.dc?.identifiers?.[0])),
    guidIsPermaLink: false,
    link: first(str(it.link), str(it.rdf?.about)),
    title: first(str(it.title), str(it.dc?.titles?.[0])),
    summary: first(str(it.description), str(it.dc?.descriptions?.[0])),
    content: str(it.content?.encoded),
    contentText: null,
    published: first(str(it.dc?.dates?.[0]), str(it.dcterms?.issued), str(it.dcterms?.created)),
    updated: str(it.dcterms?.modified),
    authors: uniq(dcAuthors(it.dc)),
    categories: uniq(it.dc?.subjects ?? []),
    enclosures: [],
    images: mediaImages(it.media),
    base: str(it.xml?.base),
    language: str(it.dc?.languages?.[0]),
  }));
  return {
    format: 'rdf',
    version: 'rss 1.0',
    title: first(str(f.title), str(f.dc?.titles?.[0])),
    link: str(f.link),
    base: str(f.xml?.base),
    language: str(f.dc?.languages?.[0]),
    image: str(f.image?.url),
    ttlMinutes: null,
    skipHours: [],
    skipDays: [],
    items,
  };
}

/** Atom text constructs: keep the markup and say whether it is HTML (RFC 4287 §3.1). */
function atomText(t: Any | undefined): string | null {
  if (!t) return null;
  const v = str(t.value);
  if (v === null) return null;
  // type="text" is plain text: escape it so normalize/ can treat every field as HTML.
  if (!t.type || t.type === 'text') return escapeText(v);
  return v;
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function adaptAtom(feed: AtomFeed.Feed<string>, text: string): ParsedFeed {
  const f = feed as Any;
  const feedAuthors = (f.authors ?? []).map((a: Any) => a?.name).filter(Boolean);
  const alt = (links: Any[] | undefined) =>
    str((links ?? []).find((l) => (!l.rel || l.rel === 'alternate') && (!l.type || /html/i.test(l.type)))?.href) ??
    str((links ?? []).find((l) => !l.rel || l.rel === 'alternate')?.href);
  const items: ParsedItem[] = (f.entries ?? []).map((e: Any): ParsedItem => {
    const enclosures: ParsedEnclosure[] = (e.links ?? [])
      .filter((l: Any) => l.rel === 'enclosure' && str(l.href))
      .map((l: Any) => ({ url: l.href, type: str(l.type), length: num(l.length) }));
    const content = e.content && !str(e.content.src) ? atomText(e.content) : null;
    return {
      guid: str(e.id),
      guidIsPermaLink: false,
      link: alt(e.links),
      title: atomText(e.title),
      summary: atomText(e.summary),
      content,
      contentText: null,
      // Atom 0.3 used <issued>/<modified>; feedsmith maps them onto published/updated.
      published: first(str(e.published), str(e.dc?.dates?.[0])),
      updated: str(e.updated),
      authors: uniq([...(e.authors ?? []).map((a: Any) => a?.name ?? ''), ...dcAuthors(e.dc)]).length
        ? uniq([...(e.authors ?? []).map((a: Any) => a?.name ?? ''), ...dcAuthors(e.dc)])
        : uniq(feedAuthors),
      categories: uniq((e.categories ?? []).map((c: Any) => c?.label ?? c?.term ?? '')),
      enclosures,
      images: [...mediaImages(e.media), ...enclosureImages(enclosures), ...itunesImage(e.itunes)],
      base: first(str(e.xml?.base), str(e.content?.xml?.base)),
      language: str(e.xml?.lang),
    };
  });
  const isAtom03 = /xmlns\s*=\s*["']http:\/\/purl\.org\/atom\/ns#["']/.test(text.slice(0, 4096));
  return {
    format: 'atom',
    version: isAtom03 ? 'atom 0.3' : 'atom 1.0',
    title: atomText(f.title),
    link: alt(f.links),
    base: str(f.xml?.base),
    language: str(f.xml?.lang),
    image: first(str(f.logo), str(f.icon)),
    ttlMinutes: null,
    skipHours: [],
    skipDays: [],
    items,
  };
}

export function adaptJson(feed: JsonFeed.Feed<string>, raw: Any | null): ParsedFeed {
  const f = feed as Any;
  const items: ParsedItem[] = (f.items ?? []).map((it: Any, i: number): ParsedItem => {
    // JSON Feed 1.0 had a single `author`; 1.1 has `authors`. feedsmith keeps 1.1's shape.
    const rawItem = raw?.items?.[i] ?? {};
    const authors = (it.authors ?? (rawItem.author ? [rawItem.author] : [])).map((a: Any) => a?.name ?? '');
    const enclosures: ParsedEnclosure[] = (it.attachments ?? [])
      .filter((a: Any) => str(a.url))
      .map((a: Any) => ({ url: a.url, type: str(a.mime_type), length: num(a.size_in_bytes) }));
    const images: ParsedImage[] = [];
    if (str(it.image)) images.push({ url: it.image, width: null, height: null, origin: 'json:image' });
    if (str(it.banner_image)) images.push({ url: it.banner_image, width: null, height: null, origin: 'json:banner_image' });
    images.push(...enclosureImages(enclosures));
    return {
      guid: str(it.id) ?? (typeof rawItem.id === 'number' ? String(rawItem.id) : null),
      guidIsPermaLink: false,
      link: first(str(it.url), str(it.external_url)),
      title: str(it.title) === null ? null : escapeText(it.title),
      summary: str(it.summary) === null ? null : escapeText(it.summary),
      content: str(it.content_html),
      contentText: str(it.content_text),
      published: str(it.date_published),
      updated: str(it.date_modified),
      authors: uniq(authors),
      categories: uniq(it.tags ?? []),
      enclosures,
      images,
      base: null,
      language: str(it.language),
    };
  });
  const version = typeof raw?.version === 'string' && /1\.1/.test(raw.version) ? 'json 1.1' : 'json 1.0';
  return {
    format: 'json',
    version,
    title: str(f.title),
    link: str(f.home_page_url),
    base: null,
    language: str(f.language),
    image: first(str(f.icon), str(f.favicon)),
    ttlMinutes: null,
    skipHours: [],
    skipDays: [],
    items,
  };
}
