/**
 * OPML 2.0 export of the source list (http://opml.org/spec2.opml), grouped
 * by category so a reader imports it as folders. Each feed outline carries its
 * Marquee id as `marquee:id`, an attribute in Marquee's own namespace (OPML 2.0:
 * "elements and attributes not described here ... only if defined in a
 * namespace"); readers ignore it, and PUT /admin/sources reads it back, so
 * re-importing an export keeps every id (src/sources.ts).
 */
import type { Source } from '../model';
import { escXml } from './view';

/** The namespace of the attributes Marquee adds to OPML. */
export const OPML_NAMESPACE = 'https://github.com/marquee-news/marquee#opml';

export function renderOpml(sources: Source[], base: string, dateCreated: string): string {
  const byCategory = new Map<string, Source[]>();
  for (const s of sources) {
    const c = s.category ?? 'uncategorized';
    byCategory.set(c, [...(byCategory.get(c) ?? []), s]);
  }
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<opml version="2.0" xmlns:marquee="${OPML_NAMESPACE}">`,
    '<head>',
    '<title>Marquee sources</title>',
    `<dateCreated>${new Date(dateCreated).toUTCString()}</dateCreated>`,
    `<docs>http://opml.org/spec2.opml</docs>`,
    `<ownerId>${escXml(`${base}/`)}</ownerId>`,
    '</head>',
    '<body>',
  ];
  for (const [cat, list] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`<outline text="${escXml(cat)}" title="${escXml(cat)}">`);
    for (const s of list) {
      const title = s.title ?? s.id;
      out.push(`<outline type="rss" text="${escXml(title)}" title="${escXml(title)}" xmlUrl="${escXml(s.url)}"${s.home_page_url ? ` htmlUrl="${escXml(s.home_page_url)}"` : ''} category="${escXml(cat)}" marquee:id="${escXml(s.id)}"/>`);
    }
    out.push('</outline>');
  }
  out.push('</body>', '</opml>');
  return out.join('\n');
}
