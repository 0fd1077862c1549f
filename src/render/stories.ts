/**
 * `/stories.json`: related-story groups, newest story first. Each story
 * lists its member articles (primaries; their merged copies ride along under
 * `duplicates`), the outlets covering it and its first and last times.
 */
import type { Story } from '../model';
import type { SourceSnapshot, StoredEntry } from '../model';
import { entryLink } from './view';

export interface StoriesView {
  base: string;
  selfPath: string;
  nextPath: string | null;
  stories: Story[];
  entriesById: Map<string, StoredEntry>;
  sources: Record<string, SourceSnapshot>;
  duplicates: Map<string, StoredEntry[]>;
}

/** Representative image and summary: those of the newest member that has one. */
export function storyLead(story: Story, byId: Map<string, StoredEntry>): { image: string | null; summary: string } {
  let image: string | null = null;
  let summary = '';
  for (const id of story.entryIds) {
    const e = byId.get(id);
    if (!e) continue;
    if (!image && e.image) image = e.image;
    if (!summary && e.summaryText) summary = e.summaryText;
    if (image && summary) break;
  }
  return { image, summary };
}

export function storyJson(story: Story, view: Pick<StoriesView, 'entriesById' | 'sources' | 'duplicates'>): Record<string, unknown> {
  const lead = storyLead(story, view.entriesById);
  return {
    id: story.id,
    title: story.title,
    updated: story.updated,
    first_published: story.first,
    size: story.size,
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
        duplicates: (view.duplicates.get(e.id) ?? []).map((d) => ({ id: d.id, url: entryLink(d), source_id: d.sourceId })),
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
