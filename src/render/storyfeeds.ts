/**
 * Story feeds: `/stories.xml` (RSS 2.0), `/stories.atom` (Atom 1.0) and
 * `/stories.feed.json` (JSON Feed 1.1), one item per story, with the filters,
 * order (`sort`) and paging of `/stories.json`.
 *
 * - The item's id is the story id, which never changes (group.ts storyIdFor):
 *   `tag:marquee,2026:story:<id>` in RSS and Atom, the bare id in JSON Feed.
 * - Headline, link, summary and image are all the lead article's
 *   (stories.ts storyLead): a reader never sees one outlet's headline over
 *   another's summary.
 * - The content lists the full coverage: every outlet's article with its
 *   title and link, newest first, and the copies merged into an article
 *   folded under it ("also: Outlet, Outlet").
 * - Published is the first report; updated (Atom `updated`, JSON Feed
 *   `date_modified`) moves when coverage grows (stories.ts storyModified),
 *   so readers that honour updates show the new outlets. RSS has no such
 *   field: its readers see a story once (DIFF: by design of RSS 2.0).
 * - The outlets are the item's authors (Atom §4.2.1, JSON Feed `authors`);
 *   the feed-level author is Marquee, as in the entry feeds.
 *
 * Everything else (escaping, self and next links, dates, hub links) follows
 * the entry feeds' writers (rss.ts, atom.ts, jsonfeed.ts) and their reasons.
 */
import { escapeHtml } from '../normalize/text';
import type { SourceSnapshot, Story, StoredEntry } from '../model';
import { rankingOf } from '../rank';
import { storyLead, storyModified } from './stories';
import { ABOUT_URL, TAG_PREFIX, atomFeedHead, entryLink, escPlain, escXml, feedReaderHtml, jsonFeedHead, rfc822, rssChannelHead } from './view';

export const STORY_FEED_TITLE = 'Marquee: top stories';
export const STORY_FEED_DESCRIPTION = 'Entertainment news as stories: one item per event, with every outlet covering it.';

export interface StoryFeedView {
  base: string;
  /** Path and query exactly as requested (self links). */
  selfPath: string;
  /** Canonical filters and order without paging: the Atom feed id. */
  filterQuery: string;
  nextPath: string | null;
  /** Newest `storyModified` on the page, or the revision time. */
  updated: string;
  stories: Story[];
  entriesById: Map<string, StoredEntry>;
  duplicates: Map<string, StoredEntry[]>;
  sources: Record<string, SourceSnapshot>;
  /** lead id -> [summaryHtml, ''] */
  bodies: Map<string, [string, string]>;
  rankedAt: string;
  ttlMinutes: number;
  filterLabel: string | null;
  /** WebSub hubs to advertise (only on the topics Marquee pings: view.ts hubLinks). */
  hubs: string[];
}

export function storyTag(id: string): string {
  return `${TAG_PREFIX}story:${id}`;
}

function feedTitle(view: StoryFeedView): string {
  return view.filterLabel ? `${STORY_FEED_TITLE} (${view.filterLabel})` : STORY_FEED_TITLE;
}

/** The outlets covering a story (primaries' sources), in the order they first reported it. */
function outletsOf(story: Story, view: StoryFeedView): SourceSnapshot[] {
  const members = story.entryIds.map((id) => view.entriesById.get(id)).filter((e): e is StoredEntry => !!e);
  const order = [...members].sort((a, b) => (a.published < b.published ? -1 : a.published > b.published ? 1 : 0)).map((e) => e.sourceId);
  return [...new Set(order)].map((id) => view.sources[id] ?? { id, title: id, feed_url: '', home_page_url: null, category: null });
}

const outletName = (view: StoryFeedView, id: string) => view.sources[id]?.title ?? id;

/** The lead's summary as HTML: its sanitized markup, else its text, else nothing. */
function leadSummaryHtml(view: StoryFeedView, lead: StoredEntry | null): string {
  if (!lead) return '';
  const html = view.bodies.get(lead.id)?.[0];
  return html || (lead.summaryText ? `<p>${escapeHtml(lead.summaryText)}</p>` : '');
}

/** The full coverage as an HTML list: every member, newest first, its merged copies folded under it. */
export function coverageHtml(story: Story, view: StoryFeedView): string {
  const items: string[] = [];
  for (const id of story.entryIds) {
    const e = view.entriesById.get(id);
    if (!e) continue;
    const url = entryLink(e);
    const title = escapeHtml(e.title);
    const head = url ? `<a href="${escapeHtml(url)}">${title}</a>` : title;
    const copies = (view.duplicates.get(e.id) ?? []).map((d) => {
      const u = entryLink(d);
      const name = escapeHtml(outletName(view, d.sourceId));
      return u ? `<a href="${escapeHtml(u)}">${name}</a>` : name;
    });
    const also = copies.length ? ` (also: ${copies.join(', ')})` : '';
    items.push(`<li>${head}: ${escapeHtml(outletName(view, e.sourceId))}${also}</li>`);
  }
  const n = story.outlets;
  return `<p>Full coverage, ${n} ${n === 1 ? 'outlet' : 'outlets'}:</p><ul>${items.join('')}</ul>`;
}

function itemHtml(story: Story, view: StoryFeedView): { summary: string; content: string } {
  const lead = storyLead(story, view.entriesById);
  const summary = leadSummaryHtml(view, lead.entry);
  return { summary, content: `${summary}${coverageHtml(story, view)}` };
}

/** Other members' links, for `rel="related"` (at most 10). */
function relatedOf(story: Story, view: StoryFeedView, leadUrl: string | null): string[] {
  const out: string[] = [];
  for (const id of story.entryIds) {
    const e = view.entriesById.get(id);
    const u = e ? entryLink(e) : null;
    if (u && u !== leadUrl && !out.includes(u)) out.push(u);
    if (out.length >= 10) break;
  }
  return out;
}

export function renderStoriesRss(view: StoryFeedView): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">');
  out.push(...rssChannelHead(view, feedTitle(view), STORY_FEED_DESCRIPTION));
  for (const story of view.stories) {
    const lead = storyLead(story, view.entriesById);
    const html = itemHtml(story, view);
    out.push('<item>');
    out.push(`<title>${escPlain(lead.title)}</title>`);
    if (lead.url) out.push(`<link>${escXml(lead.url)}</link>`);
    out.push(`<guid isPermaLink="false">${escXml(storyTag(story.id))}</guid>`);
    // RSS has one date: the first report. Readers that honour updates get them from Atom or JSON Feed.
    out.push(`<pubDate>${rfc822(story.first)}</pubDate>`);
    // The profile's order (NeedDescriptionBeforeContent): without a summary, the coverage itself is the description.
    out.push(`<description>${escXml(feedReaderHtml(html.summary || html.content))}</description>`);
    if (html.summary) out.push(`<content:encoded>${escXml(feedReaderHtml(html.content))}</content:encoded>`);
    if (lead.image) out.push(`<media:thumbnail url="${escXml(lead.image)}"/>`);
    for (const r of relatedOf(story, view, lead.url)) out.push(`<atom:link rel="related" type="text/html" href="${escXml(r)}"/>`);
    out.push('</item>');
  }
  out.push('</channel>');
  out.push('</rss>');
  return out.join('\n');
}

export function renderStoriesAtom(view: StoryFeedView): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">');
  out.push(...atomFeedHead(view, `${TAG_PREFIX}stories${view.filterQuery}`, feedTitle(view), STORY_FEED_DESCRIPTION));
  for (const story of view.stories) {
    const lead = storyLead(story, view.entriesById);
    const html = itemHtml(story, view);
    out.push('<entry>');
    out.push(`<id>${escXml(storyTag(story.id))}</id>`);
    out.push(`<title type="text">${escPlain(lead.title)}</title>`);
    out.push(`<published>${story.first}</published>`);
    out.push(`<updated>${storyModified(story)}</updated>`);
    if (lead.url) out.push(`<link rel="alternate" type="text/html" href="${escXml(lead.url)}"/>`);
    for (const r of relatedOf(story, view, lead.url)) out.push(`<link rel="related" type="text/html" href="${escXml(r)}"/>`);
    for (const o of outletsOf(story, view)) {
      out.push(`<author><name>${escPlain(o.title)}</name>${o.home_page_url ? `<uri>${escXml(o.home_page_url)}</uri>` : ''}</author>`);
    }
    if (html.summary) out.push(`<summary type="html">${escXml(feedReaderHtml(html.summary))}</summary>`);
    out.push(`<content type="html">${escXml(feedReaderHtml(html.content))}</content>`);
    if (lead.image) out.push(`<media:thumbnail url="${escXml(lead.image)}"/>`);
    out.push('</entry>');
  }
  out.push('</feed>');
  return out.join('\n');
}

function jsonStoryItem(story: Story, view: StoryFeedView): Record<string, unknown> {
  const lead = storyLead(story, view.entriesById);
  const html = itemHtml(story, view);
  const rank = rankingOf(story, Date.parse(view.rankedAt));
  return {
    id: story.id,
    url: lead.url ?? undefined,
    title: lead.title,
    content_html: html.content,
    summary: lead.summary || undefined,
    image: lead.image ?? undefined,
    date_published: story.first,
    date_modified: storyModified(story),
    authors: outletsOf(story, view).map((o) => ({ name: o.title, url: o.home_page_url ?? undefined })),
    _marquee: {
      about: ABOUT_URL,
      story: { id: story.id, size: story.size, outlets: story.outlets, lead_id: lead.entry?.id ?? story.leadId, top: rank.top, score: rank.score },
      coverage: story.entryIds.flatMap((id) => {
        const e = view.entriesById.get(id);
        if (!e) return [];
        return [{
          id: e.id, url: entryLink(e), title: e.title, source_id: e.sourceId, date_published: e.published,
          duplicates: (view.duplicates.get(e.id) ?? []).map((d) => ({ id: d.id, url: entryLink(d), source_id: d.sourceId })),
        }];
      }),
    },
  };
}

export function renderStoriesJsonFeed(view: StoryFeedView): string {
  const comment = 'One item per story. Items carry a _marquee object with the story and its full coverage; see its about URL.';
  return JSON.stringify({ ...jsonFeedHead(view, feedTitle(view), STORY_FEED_DESCRIPTION, comment), items: view.stories.map((s) => jsonStoryItem(s, view)) });
}

