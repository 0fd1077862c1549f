/**
 * RSS 2.0, following the RSS Advisory Board profile: atom:link rel="self"
 * equal to the URL requested (W3C validator: SelfDoesntMatchLocation),
 * `guid isPermaLink="false"` for our tag: ids (InvalidHttpGUID otherwise),
 * `<source url>` naming the origin feed, RFC 822 dates, absolute URLs only.
 * Story members are linked with atom:link rel="related".
 */
import { escapeHtml } from '../normalize/text';
import { FEED_DESCRIPTION, FEED_TITLE, abs, entryHtml, entryTag, escXml, relatedUrls, type FeedView } from './view';

const rfc822 = (iso: string) => new Date(iso).toUTCString();

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
  out.push('<generator>Marquee</generator>');
  out.push(`<ttl>${view.ttlMinutes}</ttl>`);
  for (const e of view.entries) {
    const src = view.sources[e.sourceId];
    const { summary, content } = entryHtml(view, e);
    const url = e.url ?? e.originalUrl;
    out.push('<item>');
    out.push(`<title>${escXml(e.title)}</title>`);
    if (url) out.push(`<link>${escXml(url)}</link>`);
    out.push(`<guid isPermaLink="false">${escXml(entryTag(e.id))}</guid>`);
    out.push(`<pubDate>${rfc822(e.published)}</pubDate>`);
    for (const a of e.authors) out.push(`<dc:creator>${escXml(a)}</dc:creator>`);
    for (const c of e.categories) out.push(`<category>${escXml(c)}</category>`);
    const description = summary || (e.summaryText ? `<p>${escapeHtml(e.summaryText)}</p>` : '');
    if (description) out.push(`<description>${escXml(description)}</description>`);
    if (content) out.push(`<content:encoded>${escXml(content)}</content:encoded>`);
    if (e.image) out.push(`<media:thumbnail url="${escXml(e.image)}"/>`);
    for (const r of relatedUrls(view, e.id, e.storyId)) out.push(`<atom:link rel="related" href="${escXml(r)}"/>`);
    if (src?.feed_url) out.push(`<source url="${escXml(src.feed_url)}">${escXml(src.title)}</source>`);
    out.push('</item>');
  }
  out.push('</channel>');
  out.push('</rss>');
  return out.join('\n');
}
