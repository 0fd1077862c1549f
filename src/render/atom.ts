/**
 * Atom 1.0 (RFC 4287).
 *
 * - The feed has exactly one atom:id, atom:title and atom:updated (§4.1.1). Its id is a tag:
 *   URI (RFC 4151) made from the filters, so every page of one filtered feed, on any host
 *   name, is the same feed.
 * - Self and alternate links (§4.2.7.2); `rel="next"` pages (RFC 5005 §3).
 * - A feed-level author (§4.1.1: "atom:feed elements MUST contain one or more atom:author
 *   elements, unless all of the atom:feed element's child atom:entry elements contain at
 *   least one atom:author element"), so entries without a byline stay valid.
 * - Each entry's id is the tag: URI of its stored id, which never changes (§4.2.6); its
 *   origin feed is described in atom:source with that feed's id, title, links and updated
 *   (§4.2.11 lists them; the W3C validator warns MissingSourceElement without updated). That
 *   `updated` is the newest date among the source's entries on this page: the latest change
 *   of the origin feed that we know of.
 * - Summary and content are typed `html` (§3.1.1.2) and escaped, never CDATA; embeds become
 *   links to their video (view.ts feedReaderHtml).
 * - Every entry has textual content (§4.1.1.1: content or rel=alternate; the validator warns
 *   MissingTextualContent without a summary or content): an entry with neither gets its
 *   title as a text summary. No summary is ever empty.
 * - Plain-text constructs write `&` and `<` as character references (view.ts escPlain).
 * - The entry's files are `link rel="enclosure"` with type and length (§4.2.7.2, §4.2.7.6).
 * - `xml:lang` on an entry whose language the source declared (§2).
 *
 * The other members of an entry's story are `link rel="related"`.
 */
import { escapeHtml } from '../normalize/text';
import type { StoredEntry } from '../model';
import {
  FEED_DESCRIPTION, FEED_TITLE, atomFeedHead, enclosureType, enclosuresOf, entryHtml, entryLink, entryTag, escPlain, escXml, feedReaderHtml, feedTag,
  relatedUrls, type FeedView,
} from './view';

export function renderAtom(view: FeedView): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">');
  out.push(...atomFeedHead(view, feedTag(view.filterQuery), view.filterLabel ? `${FEED_TITLE} (${view.filterLabel})` : FEED_TITLE, FEED_DESCRIPTION));
  const sourceUpdated = newestBySource(view.entries);
  for (const e of view.entries) {
    const src = view.sources[e.sourceId];
    const html = entryHtml(view, e);
    const summary = feedReaderHtml(html.summary);
    const url = entryLink(e);
    out.push(e.language ? `<entry xml:lang="${escXml(e.language)}">` : '<entry>');
    out.push(`<id>${escXml(entryTag(e.id))}</id>`);
    out.push(`<title type="text">${escPlain(e.title)}</title>`);
    out.push(`<published>${e.published}</published>`);
    out.push(`<updated>${entryUpdated(e)}</updated>`);
    if (url) out.push(`<link rel="alternate" type="text/html" href="${escXml(url)}"/>`);
    for (const r of relatedUrls(view, e.id, e.storyId)) out.push(`<link rel="related" type="text/html" href="${escXml(r)}"/>`);
    for (const f of enclosuresOf(e)) {
      out.push(`<link rel="enclosure" type="${escXml(enclosureType(f))}"${f.length ? ` length="${f.length}"` : ''} href="${escXml(f.url)}"/>`);
    }
    for (const a of e.authors) out.push(`<author><name>${escPlain(a)}</name></author>`);
    for (const c of e.categories) out.push(`<category term="${escXml(c)}"/>`);
    // §4.1.1.1: without a rel=alternate link, atom:content is required.
    const content = feedReaderHtml(html.content) || (url ? '' : summary || `<p>${escapeHtml(e.title)}</p>`);
    if (summary) out.push(`<summary type="html">${escXml(summary)}</summary>`);
    else if (!content) out.push(`<summary type="text">${escPlain(e.title)}</summary>`);
    if (content) out.push(`<content type="html">${escXml(content)}</content>`);
    if (e.image) out.push(`<media:thumbnail url="${escXml(e.image)}"/>`);
    if (src) {
      out.push('<source>');
      out.push(`<id>${escXml(src.feed_url)}</id>`);
      out.push(`<title type="text">${escPlain(src.title)}</title>`);
      out.push(`<updated>${sourceUpdated.get(e.sourceId)}</updated>`);
      out.push(`<link rel="self" href="${escXml(src.feed_url)}"/>`);
      if (src.home_page_url) out.push(`<link rel="alternate" type="text/html" href="${escXml(src.home_page_url)}"/>`);
      out.push('</source>');
    }
    out.push('</entry>');
  }
  out.push('</feed>');
  return out.join('\n');
}

const entryUpdated = (e: StoredEntry) => (e.updated && e.updated > e.published ? e.updated : e.published);

/** Per source, the newest `updated` among its entries on this page. */
function newestBySource(entries: StoredEntry[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const t = entryUpdated(e);
    if (t > (out.get(e.sourceId) ?? '')) out.set(e.sourceId, t);
  }
  return out;
}
