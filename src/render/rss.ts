/**
 * RSS 2.0, written to the RSS Advisory Board's profile
 * (https://www.rssboard.org/rss-profile) so the W3C validator has nothing to say:
 *
 * - `atom:link rel="self"` is the URL the document was requested at, query included
 *   (validator: MissingSelf, SelfDoesntMatchLocation); `rel="next"` pages (RFC 5005 §3);
 * - `guid isPermaLink="false"`: our ids are tag: URIs, not locators (validator: InvalidHttpGUID);
 * - `<source url>` names the origin feed (RSS 2.0 spec, "<source> sub-element of <item>");
 * - dates are RFC 822 with a four-digit year and GMT (profile §"pubDate");
 * - the image goes out as `media:thumbnail` (Media RSS 1.5.1) and, when its type can be told
 *   from the URL, as an `<enclosure>` with length 0 (the profile's value for an unknown size);
 * - markup inside description/content:encoded is escaped text, never CDATA, so a `]]>` in
 *   an article cannot end it early; all its URLs were made absolute at ingest.
 *
 * Members of the same story are linked with `atom:link rel="related"`.
 */
import { FEED_DESCRIPTION, FEED_TITLE, abs, entryHtml, entryLink, entryTag, escXml, imageType, relatedUrls, type FeedView } from './view';

/** RFC 822 date as the RSS profile wants it: `Thu, 26 Nov 2026 08:00:00 GMT`. */
export const rfc822 = (iso: string) => new Date(iso).toUTCString();

export function renderRss(view: FeedView): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">');
  out.push('<channel>');
  out.push(`<title>${escXml(view.filterLabel ? `${FEED_TITLE} (${view.filterLabel})` : FEED_TITLE)}</title>`);
  out.push(`<link>${escXml(abs(view, '/'))}</link>`);
  out.push(`<description>${escXml(FEED_DESCRIPTION)}</description>`);
  out.push(`<atom:link rel="self" type="application/rss+xml" href="${escXml(abs(view, view.selfPath))}"/>`);
  if (view.nextPath) out.push(`<atom:link rel="next" type="application/rss+xml" href="${escXml(abs(view, view.nextPath))}"/>`);
  out.push(`<lastBuildDate>${rfc822(view.updated)}</lastBuildDate>`);
  out.push('<docs>https://www.rssboard.org/rss-specification</docs>');
  out.push('<generator>Marquee</generator>');
  out.push(`<ttl>${view.ttlMinutes}</ttl>`);
  for (const e of view.entries) {
    const src = view.sources[e.sourceId];
    const { summary, content } = entryHtml(view, e);
    const url = entryLink(e);
    out.push('<item>');
    out.push(`<title>${escXml(e.title)}</title>`);
    if (url) out.push(`<link>${escXml(url)}</link>`);
    out.push(`<guid isPermaLink="false">${escXml(entryTag(e.id))}</guid>`);
    out.push(`<pubDate>${rfc822(e.published)}</pubDate>`);
    for (const a of e.authors) out.push(`<dc:creator>${escXml(a)}</dc:creator>`);
    for (const c of e.categories) out.push(`<category>${escXml(c)}</category>`);
    if (summary) out.push(`<description>${escXml(summary)}</description>`);
    if (content && content !== summary) out.push(`<content:encoded>${escXml(content)}</content:encoded>`);
    if (e.image) {
      out.push(`<media:thumbnail url="${escXml(e.image)}"/>`);
      const type = imageType(e.image);
      if (type) out.push(`<enclosure url="${escXml(e.image)}" length="0" type="${type}"/>`);
    }
    for (const r of relatedUrls(view, e.id, e.storyId)) out.push(`<atom:link rel="related" type="text/html" href="${escXml(r)}"/>`);
    if (src?.feed_url) out.push(`<source url="${escXml(src.feed_url)}">${escXml(src.title)}</source>`);
    out.push('</item>');
  }
  out.push('</channel>');
  out.push('</rss>');
  return out.join('\n');
}
