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

function slug(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'feed';
}

/**
 * OPML 2.0 subscription list (http://opml.org/spec2.opml): every outline with an xmlUrl is a
 * source; a parent outline without one is a folder, and its text becomes the category. Read
 * with the same tolerant XML reader as feeds (attribute names come back lowercased).
 */
export function sourcesFromOpml(text: string, allowPrivate: boolean): Source[] {
  const doc = readXml(text);
  if (doc.root?.name !== 'opml') throw new SourceListError([`OPML: no <opml> root${doc.root ? ` (found <${doc.root.name}>)` : ''}`]);
  const body = doc.root.children.find((c) => c.name === 'body');
  const out: Source[] = [];
  const used = new Set<string>();
  const walk = (outlines: XmlElement[], category: string | null) => {
    for (const o of outlines) {
      if (o.name !== 'outline') continue;
      const a = o.attrs;
      const xmlUrl = a.xmlurl?.trim();
      if (xmlUrl) {
        const title = (a.title || a.text || '').trim() || null;
        const base = slug(title ?? hostOf(xmlUrl));
        let id = base;
        for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
        used.add(id);
        out.push({
          id,
          url: xmlUrl,
          title,
          home_page_url: a.htmlurl?.trim() || null,
          category: (a.category?.split(/[,/]/).filter(Boolean).pop() ?? category)?.trim().toLowerCase() || null,
        });
      }
      if (o.children.length) walk(o.children, xmlUrl ? category : (a.text || a.title || category));
    }
  };
  walk(body?.children ?? [], null);
  if (!out.length) throw new SourceListError(['OPML: no <outline> with an xmlUrl']);
  return finish(out, allowPrivate);
}

function hostOf(u: string): string {
  try {
    return new URL(u).hostname.replace(/^www\./, '');
  } catch {
    return 'feed';
  }
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
