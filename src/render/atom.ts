/**
 * Atom 1.0 (RFC 4287). The feed has exactly one id, title and updated
 * (§4.1.1), self and alternate links, and a feed-level author so every entry
 * is covered (§4.1.1: an author on the feed or on every entry). Each entry's
 * id is a tag: URI that never changes (§4.2.6), its origin feed is described
 * in atom:source (§4.2.11), and the other members of its story are
 * `link rel="related"` (§4.2.7.2).
 */
import { escapeHtml } from '../normalize/text';
import { FEED_DESCRIPTION, FEED_TITLE, TAG_PREFIX, abs, entryHtml, entryTag, escXml, relatedUrls, type FeedView } from './view';

export function renderAtom(view: FeedView): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">');
  const filterId = view.selfPath.replace(/[?&]cursor=[^&]*/, '').replace(/^\/feed\.atom\??/, '');
  out.push(`<id>${escXml(`${TAG_PREFIX}feed${filterId ? `?${filterId}` : ''}`)}</id>`);
  out.push(`<title type="text">${escXml(view.filterLabel ? `${FEED_TITLE} (${view.filterLabel})` : FEED_TITLE)}</title>`);
  out.push(`<subtitle type="text">${escXml(FEED_DESCRIPTION)}</subtitle>`);
  out.push(`<updated>${view.updated}</updated>`);
  out.push(`<link rel="self" type="application/atom+xml" href="${escXml(abs(view, view.selfPath))}"/>`);
  out.push(`<link rel="alternate" type="text/html" href="${escXml(abs(view, '/'))}"/>`);
  if (view.nextPath) out.push(`<link rel="next" type="application/atom+xml" href="${escXml(abs(view, view.nextPath))}"/>`);
  out.push(`<author><name>Marquee</name><uri>${escXml(abs(view, '/'))}</uri></author>`);
  out.push('<generator>Marquee</generator>');
  for (const e of view.entries) {
    const src = view.sources[e.sourceId];
    const { summary, content } = entryHtml(view, e);
    const url = e.url ?? e.originalUrl;
    out.push('<entry>');
    out.push(`<id>${escXml(entryTag(e.id))}</id>`);
    out.push(`<title type="text">${escXml(e.title)}</title>`);
    out.push(`<published>${e.published}</published>`);
    out.push(`<updated>${e.updated && e.updated > e.published ? e.updated : e.published}</updated>`);
    if (url) out.push(`<link rel="alternate" type="text/html" href="${escXml(url)}"/>`);
    for (const r of relatedUrls(view, e.id, e.storyId)) out.push(`<link rel="related" type="text/html" href="${escXml(r)}"/>`);
    for (const a of e.authors) out.push(`<author><name>${escXml(a)}</name></author>`);
    for (const c of e.categories) out.push(`<category term="${escXml(c)}"/>`);
    const sum = summary || (e.summaryText ? `<p>${escapeHtml(e.summaryText)}</p>` : '');
    if (sum) out.push(`<summary type="html">${escXml(sum)}</summary>`);
    if (content) out.push(`<content type="html">${escXml(content)}</content>`);
    if (e.image) out.push(`<media:thumbnail url="${escXml(e.image)}"/>`);
    if (src) {
      out.push('<source>');
      out.push(`<id>${escXml(src.feed_url)}</id>`);
      out.push(`<title type="text">${escXml(src.title)}</title>`);
      out.push(`<link rel="self" href="${escXml(src.feed_url)}"/>`);
      if (src.home_page_url) out.push(`<link rel="alternate" type="text/html" href="${escXml(src.home_page_url)}"/>`);
      out.push('</source>');
    }
    out.push('</entry>');
  }
  out.push('</feed>');
  return out.join('\n');
}
