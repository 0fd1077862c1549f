/**
 * Assembling views from the catalog, shared by the cron run (which
 * pre-renders the default views) and the request path (which renders
 * filtered views and later pages). Pure: bodies are loaded by the caller.
 */
import { buildStories } from '../catalog';
import type { Story } from '../model';
import { DEFAULT_LIMIT, encodeCursor, parseListQuery, selectEntries, selectStories, type Cursor, type EntryPage, type ListQuery, type StoryPage } from '../query';
import type { CatalogRecord, SourceSnapshot, StoredEntry } from '../store';
import { renderAtom } from './atom';
import { renderJsonFeed } from './jsonfeed';
import { renderPage } from './page';
import { renderRss } from './rss';
import { renderStoriesJson } from './stories';
import type { FeedView } from './view';

/**
 * Bump when any renderer's output changes. It is part of every ETag and every Cache API key,
 * and pre-rendered views from another version are not served, so a deploy that changes
 * the output never answers 304 for, or serves from cache, what the previous code wrote.
 */
export const RENDER_VERSION = 3;

export type FeedFormat = 'json' | 'rss' | 'atom';
export const FEED_PATHS: Record<FeedFormat, string> = { json: '/feed.json', rss: '/feed.xml', atom: '/feed.atom' };

/** The catalog with the lookups every view needs, built once per catalog revision. */
export interface CatalogIndex {
  rev: number;
  updatedAt: string;
  entries: StoredEntry[];
  byId: Map<string, StoredEntry>;
  stories: Map<string, Story>;
  duplicates: Map<string, StoredEntry[]>;
  urlOf: Map<string, string>;
  sources: Record<string, SourceSnapshot>;
}

export function indexCatalog(cat: Pick<CatalogRecord, 'rev' | 'updatedAt' | 'entries' | 'sources'>): CatalogIndex {
  const byId = new Map<string, StoredEntry>();
  const duplicates = new Map<string, StoredEntry[]>();
  const urlOf = new Map<string, string>();
  for (const e of cat.entries) {
    byId.set(e.id, e);
    const u = e.url ?? e.originalUrl;
    if (u) urlOf.set(e.id, u);
    if (e.dupOf) {
      const list = duplicates.get(e.dupOf) ?? [];
      list.push(e);
      duplicates.set(e.dupOf, list);
    }
  }
  return { rev: cat.rev, updatedAt: cat.updatedAt, entries: cat.entries, byId, stories: buildStories(cat.entries), duplicates, urlOf, sources: cat.sources };
}

export const EMPTY_CATALOG: CatalogRecord = { schema: 1, rev: 0, updatedAt: new Date(0).toISOString(), sources: {}, entries: [], bodyParts: {} };

/** The canonical query string of a list request (stable order, defaults omitted), with `?`. */
export function queryString(q: ListQuery, cursor: Cursor | null = q.cursor, withLimit = true): string {
  const p = new URLSearchParams();
  for (const s of q.sources) p.append('source', s);
  if (q.category) p.set('category', q.category);
  if (q.q.length) p.set('q', q.q.join(' '));
  if (q.story) p.set('story', q.story);
  if (q.since !== null) p.set('since', new Date(q.since).toISOString());
  if (q.until !== null) p.set('until', new Date(q.until).toISOString());
  if (!q.dedupe) p.set('dedupe', 'false');
  if (withLimit && q.limit !== DEFAULT_LIMIT) p.set('limit', String(q.limit));
  if (cursor) p.set('cursor', encodeCursor(cursor));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function filterLabel(q: ListQuery): string | null {
  const parts: string[] = [];
  if (q.sources.length) parts.push(`source: ${q.sources.join(', ')}`);
  if (q.category) parts.push(`category: ${q.category}`);
  if (q.q.length) parts.push(`search: ${q.q.join(' ')}`);
  if (q.story) parts.push(`story: ${q.story}`);
  if (q.since !== null || q.until !== null) parts.push('date range');
  if (!q.dedupe) parts.push('with duplicates');
  return parts.length ? parts.join('; ') : null;
}

/** Body parts holding the HTML of these entries. */
export function bodyKeysOf(entries: StoredEntry[]): string[] {
  return [...new Set(entries.map((e) => e.bodyKey).filter((k): k is string => !!k))];
}

export interface RenderContext {
  base: string;
  ttlMinutes: number;
  /**
   * Path and query exactly as requested, for self links. Absent for the pre-rendered views,
   * whose self link is the bare path (they are only served for requests without a query).
   */
  requestPath?: string;
}

export function renderEntryPage(fmt: FeedFormat, idx: CatalogIndex, page: EntryPage, q: ListQuery, bodies: Map<string, [string, string]>, ctx: RenderContext): string {
  const path = FEED_PATHS[fmt];
  const updated = page.entries.reduce((m, e) => {
    const t = e.updated && e.updated > e.published ? e.updated : e.published;
    return t > m ? t : m;
  }, idx.entries.length ? idx.updatedAt : new Date(0).toISOString());
  const view: FeedView = {
    base: ctx.base,
    selfPath: ctx.requestPath ?? `${path}${queryString(q)}`,
    filterQuery: queryString(q, null, false),
    nextPath: page.next ? `${path}${queryString(q, page.next)}` : null,
    updated,
    entries: page.entries,
    bodies,
    sources: idx.sources,
    stories: idx.stories,
    duplicates: idx.duplicates,
    urlOf: idx.urlOf,
    ttlMinutes: ctx.ttlMinutes,
    filterLabel: filterLabel(q),
  };
  return fmt === 'json' ? renderJsonFeed(view) : fmt === 'rss' ? renderRss(view) : renderAtom(view);
}

export function renderStoryPage(idx: CatalogIndex, page: StoryPage, q: ListQuery, ctx: RenderContext): string {
  return renderStoriesJson({
    base: ctx.base,
    selfPath: ctx.requestPath ?? `/stories.json${queryString(q)}`,
    nextPath: page.next ? `/stories.json${queryString(q, page.next)}` : null,
    stories: page.stories,
    entriesById: idx.byId,
    sources: idx.sources,
    duplicates: idx.duplicates,
  });
}

export function renderHomePage(idx: CatalogIndex, page: StoryPage, q: ListQuery, ctx: RenderContext): string {
  return renderPage({
    base: ctx.base,
    query: queryString(q, null),
    nextPath: page.next ? `/${queryString(q, page.next)}` : null,
    stories: page.stories,
    entriesById: idx.byId,
    duplicates: idx.duplicates,
    sources: idx.sources,
    selectedSource: q.sources.length === 1 ? q.sources[0] : null,
    selectedCategory: q.category,
    search: q.q.join(' '),
    filterLabel: filterLabel(q),
    updated: idx.updatedAt,
    isFirstPage: !q.cursor,
  });
}

const DEFAULT_QUERY: ListQuery = parseListQuery(new URLSearchParams());

/** The entries of the unfiltered first page (the caller loads their bodies). */
export function defaultEntryPage(idx: CatalogIndex): EntryPage {
  return selectEntries(idx.entries, DEFAULT_QUERY, idx.sources);
}

/** Formats of the pre-rendered default views, keyed as the views record stores them. */
export type ViewFormat = FeedFormat | 'stories' | 'html';

/**
 * The unfiltered first page of every format, rendered with BASE_PLACEHOLDER as origin. The cron
 * run that changed the catalog calls this once; requests only substitute their origin.
 */
export function renderDefaultViewSet(idx: CatalogIndex, bodies: Map<string, [string, string]>, ctx: RenderContext): Record<ViewFormat, string> {
  const q = DEFAULT_QUERY;
  const page = defaultEntryPage(idx);
  const storyPage = selectStories(idx.entries, idx.stories, q, idx.sources);
  return {
    json: renderEntryPage('json', idx, page, q, bodies, ctx),
    rss: renderEntryPage('rss', idx, page, q, bodies, ctx),
    atom: renderEntryPage('atom', idx, page, q, bodies, ctx),
    stories: renderStoryPage(idx, storyPage, q, ctx),
    html: renderHomePage(idx, storyPage, q, ctx),
  };
}
