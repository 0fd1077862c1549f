/**
 * `/stories.json`: related-story groups, in the order asked for (`sort=top`
 * by default, rank.ts; `sort=latest` newest coverage first). Each story
 * lists its member articles (primaries; their merged copies ride along under
 * `duplicates`), the outlets covering it, its first and last times, why it
 * ranks where it does, and its lead article's headline, link, summary and
 * image (all four from that one article: storyLead). With `explain` (admin
 * only, app.ts) every member and copy also says why it joined.
 */
import type { JoinReason, SourceSnapshot, Story, StoredEntry } from '../model';
import { rankingOf } from '../rank';
import { entryLink } from './view';

export interface StoriesView {
  base: string;
  selfPath: string;
  nextPath: string | null;
  stories: Story[];
  entriesById: Map<string, StoredEntry>;
  sources: Record<string, SourceSnapshot>;
  duplicates: Map<string, StoredEntry[]>;
  /** The time the page was ranked at (store/pages.ts), RFC 3339. */
  rankedAt: string;
  /** Add each member's join reason (`?explain=1`). */
  explain?: boolean;
}

/** What a story shows of its lead article: headline, link, summary and image, all from that one article. */
export interface StoryLead {
  entry: StoredEntry | null;
  title: string;
  url: string | null;
  summary: string;
  image: string | null;
}

/**
 * The lead article (catalog.ts leadOf chose it when the story was stored) and what the story
 * shows of it. Nothing is borrowed from another member: an image-less lead means no image.
 */
export function storyLead(story: Story, byId: Map<string, StoredEntry>): StoryLead {
  const entry = byId.get(story.leadId) ?? story.entryIds.map((id) => byId.get(id)).find((e) => !!e) ?? null;
  if (!entry) return { entry: null, title: story.title, url: null, summary: '', image: null };
  return { entry, title: entry.title, url: entryLink(entry), summary: entry.summaryText, image: entry.image };
}

/**
 * When the story last changed for a reader: its newest article, or the commit at which it last
 * gained a member when that is later (Story.grownAt). Story feeds use it as `updated`.
 */
export function storyModified(story: Pick<Story, 'updated' | 'grownAt'>): string {
  return story.grownAt && story.grownAt > story.updated ? story.grownAt : story.updated;
}

function reasonJson(r: JoinReason | null | undefined): Record<string, unknown> | null {
  if (!r) return null;
  return r.kind === 'story' ? { kind: 'story', score: r.score, terms: r.terms ?? [] } : { kind: 'duplicate', score: r.score, rule: r.rule ?? null };
}

export function storyJson(story: Story, view: Pick<StoriesView, 'entriesById' | 'sources' | 'duplicates' | 'rankedAt' | 'explain'>): Record<string, unknown> {
  const lead = storyLead(story, view.entriesById);
  const rank = rankingOf(story, Date.parse(view.rankedAt));
  const explain = (e: StoredEntry) => (view.explain ? { join_reason: reasonJson(e.joinReason) } : {});
  return {
    id: story.id,
    title: lead.title,
    url: lead.url,
    lead_id: lead.entry?.id ?? story.leadId,
    updated: story.updated,
    modified: storyModified(story),
    first_published: story.first,
    size: story.size,
    outlets: story.outlets,
    rank: { top: rank.top, score: rank.score, momentum: rank.momentum, ranked_as: rank.rankedAs },
    image: lead.image,
    summary: lead.summary || null,
    sources: story.sourceIds.map((id) => ({
      id,
      title: view.sources[id]?.title ?? id,
      home_page_url: view.sources[id]?.home_page_url ?? null,
    })),
    items: story.entryIds.flatMap((id) => {
      const e = view.entriesById.get(id);
      if (!e) return [];
      return [{
        id: e.id,
        url: entryLink(e),
        title: e.title,
        source_id: e.sourceId,
        date_published: e.published,
        image: e.image,
        ...explain(e),
        duplicates: (view.duplicates.get(e.id) ?? []).map((d) => ({ id: d.id, url: entryLink(d), source_id: d.sourceId, ...explain(d) })),
      }];
    }),
  };
}

export function renderStoriesJson(view: StoriesView): string {
  return JSON.stringify({
    stories: view.stories.map((s) => storyJson(s, view)),
    next_url: view.nextPath ? `${view.base}${view.nextPath}` : undefined,
  });
}
