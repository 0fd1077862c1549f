/**
 * RSS 2.0, written to the RSS Advisory Board's profile
 * (https://www.rssboard.org/rss-profile) so the W3C validator has nothing to say:
 *
 * - `atom:link rel="self"` is the URL the document was requested at, query included
 *   (validator: MissingSelf, SelfDoesntMatchLocation); `rel="next"` pages (RFC 5005 §3);
 * - `guid isPermaLink="false"`: our ids are tag: URIs, not locators (validator: InvalidHttpGUID);
 * - `<source url>` names the origin feed (RSS 2.0 spec, "<source> sub-element of <item>");
 * - dates are RFC 822 with a four-digit year and GMT (profile §"pubDate");
 * - plain text (title, category, source, dc:creator) writes `&` and `<` as &#x26; and &#x3C;
 *   (profile §"Encoding character data"; view.ts escPlain);
 * - the entry's files: the first as `<enclosure url length type>` (length 0 when unknown, the
 *   profile's value; it also says an item SHOULD NOT carry more than one, the validator's
 *   DuplicateEnclosure), any others as `media:content` with fileSize and duration (Media RSS
 *   1.5.1 §5.2); the image as `media:thumbnail` (never as an enclosure: it is not a file the
 *   item carries unless the feed said so);
 * - `description` always precedes `content:encoded` (the profile recommends it, the validator
 *   warns NeedDescriptionBeforeContent); content with no summary beside it goes in description;
 * - markup inside description/content:encoded is escaped text, never CDATA, so a `]]>` in
 *   an article cannot end it early; all its URLs were made absolute at ingest; embeds become
 *   links to their video (view.ts feedReaderHtml).
 *
 * Members of the same story are linked with `atom:link rel="related"`.
 */
import type { Enclosure } from '../model';
import {
  FEED_DESCRIPTION, FEED_TITLE, enclosureType, enclosuresOf, entryHtml, entryLink, entryTag, escPlain, escXml, feedReaderHtml, relatedUrls, rfc822, rssChannelHead,
  type FeedView,
} from './view';

export function renderRss(view: FeedView): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">');
  out.push(...rssChannelHead(view, view.filterLabel ? `${FEED_TITLE} (${view.filterLabel})` : FEED_TITLE, FEED_DESCRIPTION));
  for (const e of view.entries) {
    const src = view.sources[e.sourceId];
    const html = entryHtml(view, e);
    const summary = feedReaderHtml(html.summary || html.content);
    const content = html.summary ? feedReaderHtml(html.content) : '';
    const url = entryLink(e);
    out.push('<item>');
    out.push(`<title>${escPlain(e.title)}</title>`);
    if (url) out.push(`<link>${escXml(url)}</link>`);
    out.push(`<guid isPermaLink="false">${escXml(entryTag(e.id))}</guid>`);
    out.push(`<pubDate>${rfc822(e.published)}</pubDate>`);
    for (const a of e.authors) out.push(`<dc:creator>${escPlain(a)}</dc:creator>`);
    for (const c of e.categories) out.push(`<category>${escPlain(c)}</category>`);
    if (summary) out.push(`<description>${escXml(summary)}</description>`);
    if (content && content !== summary) out.push(`<content:encoded>${escXml(content)}</content:encoded>`);
    out.push(...enclosureElements(enclosuresOf(e)));
    if (e.image) out.push(`<media:thumbnail url="${escXml(e.image)}"/>`);
    for (const r of relatedUrls(view, e.id, e.storyId)) out.push(`<atom:link rel="related" type="text/html" href="${escXml(r)}"/>`);
    if (src?.feed_url) out.push(`<source url="${escXml(src.feed_url)}">${escPlain(src.title)}</source>`);
    out.push('</item>');
  }
  out.push('</channel>');
  out.push('</rss>');
  return out.join('\n');
}

/** The first file as <enclosure>, the others as media:content (see the module comment). */
function enclosureElements(files: Enclosure[]): string[] {
  return files.map((f, i) => {
    const type = escXml(enclosureType(f));
    if (i === 0) return `<enclosure url="${escXml(f.url)}" length="${f.length ?? 0}" type="${type}"/>`;
    const size = f.length ? ` fileSize="${f.length}"` : '';
    const duration = f.durationSeconds !== null ? ` duration="${f.durationSeconds}"` : '';
    return `<media:content url="${escXml(f.url)}" type="${type}"${size}${duration}/>`;
  });
}
