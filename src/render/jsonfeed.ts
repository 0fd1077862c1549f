/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1). Each item carries the
 * `_marquee` extension (an underscore key, which readers that don't know it
 * ignore): its source, its story and the copies merged into it. The shape is
 * pinned by schemas/jsonfeed.schema.json and schemas/marquee-extension.schema.json.
 *
 * - `feed_url` is the URL this document was requested at; `next_url` pages and,
 *   being a keyset cursor, never repeats (1.1: "next_url ... MUST NOT be the same as
 *   the current feed_url");
 * - `authors` (1.1) rather than the deprecated `author`; an item's `language` when
 *   its source declared one;
 * - dates are RFC 3339 (`toISOString` output);
 * - every item has `content_html` (sanitized at ingest, URLs absolute), and
 *   `content_text` only when there was no markup at all. Allowed embeds stay in it as
 *   sandboxed iframes (normalize/html.ts IFRAME_HOSTS): no validator rule forbids them in
 *   JSON Feed, and the readers that show content_html render it in their own web views;
 * - `attachments` are the entry's files, each with `mime_type` (required; view.ts
 *   enclosureType), `size_in_bytes` and `duration_in_seconds` when known.
 */
import type { StoredEntry } from '../model';
import { ABOUT_URL, FEED_DESCRIPTION, FEED_TITLE, enclosureType, enclosuresOf, entryHtml, entryLink, jsonFeedHead, type FeedView } from './view';

export function jsonItem(view: FeedView, e: StoredEntry): Record<string, unknown> {
  const src = view.sources[e.sourceId];
  const story = view.stories.get(e.storyId);
  const { summary, content } = entryHtml(view, e);
  const html = content || summary;
  const item: Record<string, unknown> = {
    id: e.id,
    url: entryLink(e) ?? undefined,
    title: e.title,
    // 1.1 requires content_html or content_text; an entry with no summary at all gets its title as text.
    content_html: html || undefined,
    content_text: html ? undefined : e.title,
    summary: e.summaryText || undefined,
    image: e.image ?? undefined,
    date_published: e.published,
    date_modified: e.updated ?? undefined,
    authors: e.authors.length ? e.authors.map((name) => ({ name })) : undefined,
    tags: e.categories.length ? e.categories : undefined,
    language: e.language ?? undefined,
    attachments: attachments(e),
    _marquee: {
      about: ABOUT_URL,
      source: {
        id: e.sourceId,
        title: src?.title ?? e.sourceId,
        feed_url: src?.feed_url ?? null,
        home_page_url: src?.home_page_url ?? null,
      },
      story: { id: e.storyId, size: story?.size ?? 1, title: story?.title ?? e.title },
      duplicates: (view.duplicates.get(e.id) ?? []).map((d) => ({
        id: d.id,
        url: entryLink(d),
        source_id: d.sourceId,
        title: d.title,
      })),
      duplicate_of: e.dupOf,
      original_url: e.originalUrl,
      first_seen: e.firstSeen,
      date_inferred: e.dateInferred,
    },
  };
  return item;
}

function attachments(e: StoredEntry): Array<Record<string, unknown>> | undefined {
  const files = enclosuresOf(e);
  if (!files.length) return undefined;
  return files.map((f) => ({
    url: f.url,
    mime_type: enclosureType(f),
    size_in_bytes: f.length ?? undefined,
    duration_in_seconds: f.durationSeconds ?? undefined,
  }));
}

export function renderJsonFeed(view: FeedView): string {
  const title = view.filterLabel ? `${FEED_TITLE} (${view.filterLabel})` : FEED_TITLE;
  const comment = 'Merged coverage from many outlets. Items carry a _marquee object naming their source, story and merged copies; see its about URL.';
  return JSON.stringify({ ...jsonFeedHead(view, title, FEED_DESCRIPTION, comment), items: view.entries.map((e) => jsonItem(view, e)) });
}
