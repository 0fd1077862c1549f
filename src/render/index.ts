/**
 * Assembling views from the catalog, shared by the cron run (which
 * pre-renders the default views) and the request path (which renders
 * filtered views and later pages). Pure: bodies are loaded by the caller.
 */
import type { EntryBodies, SourceSnapshot, Story, StoredEntry } from '../model';
import { DEFAULT_LIMIT, encodeCursor, parseListQuery, type Cursor, type EntryPage, type ListQuery, type StoryPage } from '../query';
import type { PageBundle } from '../store/pages';
import { renderAtom } from './atom';
import { renderJsonFeed } from './jsonfeed';
import { renderPage } from './page';
import { renderRss } from './rss';
import { renderStoriesJson, storyModified } from './stories';
import { renderStoriesAtom, renderStoriesJsonFeed, renderStoriesRss, type StoryFeedView } from './storyfeeds';
import type { FeedView } from './view';

/**
 * Bump when any renderer's output changes. It is part of every ETag and every Cache API key,
 * and pre-rendered views from another version are not served, so a deploy that changes
 * the output never answers 304 for, or serves from cache, what the previous code wrote.
 */
export const RENDER_VERSION = 5;

export type FeedFormat = 'json' | 'rss' | 'atom';
export const FEED_PATHS: Record<FeedFormat, string> = { json: '/feed.json', rss: '/feed.xml', atom: '/feed.atom' };
/** The story feeds (storyfeeds.ts): one item per story. */
export type StoryFeedFormat = 'storiesRss' | 'storiesAtom' | 'storiesJson';
export const STORY_FEED_PATHS: Record<StoryFeedFormat, string> = { storiesRss: '/stories.xml', storiesAtom: '/stories.atom', storiesJson: '/stories.feed.json' };

/** What the renderers look things up in: a page bundle (store/pages.ts) indexed by id. */
export interface CatalogIndex {
  rev: number;
  updatedAt: string;
  byId: Map<string, StoredEntry>;
  stories: Map<string, Story>;
  duplicates: Map<string, StoredEntry[]>;
  urlOf: Map<string, string>;
  sources: Record<string, SourceSnapshot>;
}

export function indexBundle(b: PageBundle): CatalogIndex {
  const byId = new Map<string, StoredEntry>();
  const duplicates = new Map<string, StoredEntry[]>();
  const urlOf = new Map<string, string>();
  for (const e of [...b.members, ...b.entries]) {
    if (byId.has(e.id)) continue;
    byId.set(e.id, e);
    const u = e.url ?? e.originalUrl;
    if (u) urlOf.set(e.id, u);
    if (e.dupOf) duplicates.set(e.dupOf, [...(duplicates.get(e.dupOf) ?? []), e]);
  }
  return { rev: b.rev, updatedAt: b.updatedAt, byId, stories: new Map(b.stories.map((s) => [s.id, s])), duplicates, urlOf, sources: b.sources };
}

/** The entries of an entry page bundle, with its next cursor. */
export function entryPageOf(b: PageBundle): EntryPage {
  return { entries: b.entries, next: b.next };
}

/** The stories of a story page bundle, with its next cursor and what ranking said of them. */
export function storyPageOf(b: PageBundle): StoryPage {
  return { stories: b.stories, next: b.next, rankedAt: b.rankedAt ?? b.updatedAt, topIds: new Set(b.topIds ?? []) };
}

/**
 * The canonical query string of a list request (stable order, defaults omitted), with `?`. Story
 * lists (`stories`) also say `sort=latest`; entry lists have one order and never do.
 */
export function queryString(q: ListQuery, cursor: Cursor | null = q.cursor, withLimit = true, stories = false): string {
  const p = new URLSearchParams();
  if (stories && q.sort === 'latest') p.set('sort', 'latest');
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

/** The label of a story list: its filters, and "newest first" for sort=latest. */
export function storyFilterLabel(q: ListQuery): string | null {
  const parts = [q.sort === 'latest' ? 'newest first' : null, filterLabel(q)].filter((x): x is string => !!x);
  return parts.length ? parts.join('; ') : null;
}

export interface RenderContext {
  base: string;
  ttlMinutes: number;
  /**
   * Path and query exactly as requested, for self links. Absent for the pre-rendered views,
   * whose self link is the bare path (they are only served for requests without a query).
   */
  requestPath?: string;
  /** WebSub hubs, given only for the unfiltered first pages (view.ts hubLinks). */
  hubs?: string[];
  /** /stories.json: add each member's join reason (admin `?explain=1`). */
  explain?: boolean;
}

export function renderEntryPage(fmt: FeedFormat, idx: CatalogIndex, page: EntryPage, q: ListQuery, bodies: Map<string, EntryBodies>, ctx: RenderContext): string {
  const path = FEED_PATHS[fmt];
  const updated = page.entries.reduce((m, e) => {
    const t = e.updated && e.updated > e.published ? e.updated : e.published;
    return t > m ? t : m;
  }, idx.rev ? idx.updatedAt : new Date(0).toISOString());
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
    hubs: ctx.hubs ?? [],
  };
  return fmt === 'json' ? renderJsonFeed(view) : fmt === 'rss' ? renderRss(view) : renderAtom(view);
}

export function renderStoryPage(idx: CatalogIndex, page: StoryPage, q: ListQuery, ctx: RenderContext): string {
  return renderStoriesJson({
    base: ctx.base,
    selfPath: ctx.requestPath ?? `/stories.json${queryString(q, q.cursor, true, true)}`,
    nextPath: page.next ? `/stories.json${queryString(q, page.next, true, true)}` : null,
    stories: page.stories,
    entriesById: idx.byId,
    sources: idx.sources,
    duplicates: idx.duplicates,
    rankedAt: page.rankedAt,
    explain: ctx.explain,
  });
}

export function renderStoryFeed(fmt: StoryFeedFormat, idx: CatalogIndex, page: StoryPage, q: ListQuery, bodies: Map<string, EntryBodies>, ctx: RenderContext): string {
  const path = STORY_FEED_PATHS[fmt];
  const updated = page.stories.reduce((m, s) => {
    const t = storyModified(s);
    return t > m ? t : m;
  }, idx.rev ? idx.updatedAt : new Date(0).toISOString());
  const view: StoryFeedView = {
    base: ctx.base,
    selfPath: ctx.requestPath ?? `${path}${queryString(q, q.cursor, true, true)}`,
    filterQuery: queryString(q, null, false, true),
    nextPath: page.next ? `${path}${queryString(q, page.next, true, true)}` : null,
    updated,
    stories: page.stories,
    entriesById: idx.byId,
    duplicates: idx.duplicates,
    sources: idx.sources,
    bodies,
    rankedAt: page.rankedAt,
    ttlMinutes: ctx.ttlMinutes,
    filterLabel: storyFilterLabel(q),
    hubs: ctx.hubs ?? [],
  };
  return fmt === 'storiesJson' ? renderStoriesJsonFeed(view) : fmt === 'storiesRss' ? renderStoriesRss(view) : renderStoriesAtom(view);
}

export function renderHomePage(idx: CatalogIndex, page: StoryPage, q: ListQuery, ctx: RenderContext): string {
  return renderPage({
    base: ctx.base,
    query: queryString(q, null, true, true),
    entryQuery: queryString(q, null),
    nextPath: page.next ? `/${queryString(q, page.next, true, true)}` : null,
    stories: page.stories,
    topIds: page.topIds,
    sort: q.sort,
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

/** The query of the unfiltered first page: what the pre-rendered default views show. */
export const DEFAULT_QUERY: ListQuery = parseListQuery(new URLSearchParams());

/** Formats of the pre-rendered default views, keyed as the views record stores them. */
export type ViewFormat = FeedFormat | StoryFeedFormat | 'stories' | 'html';

/** The formats that are feeds, by path: the WebSub topics (websub.ts) when PUBLIC_URL is set. */
export const TOPIC_PATHS: Record<FeedFormat | StoryFeedFormat, string> = { ...FEED_PATHS, ...STORY_FEED_PATHS };

/**
 * The unfiltered first page of every format, rendered with BASE_PLACEHOLDER as origin. The writer
 * calls this once per published revision; requests only substitute their origin. `ctx.hubs` is
 * advertised in the feeds: these pages are the WebSub topics.
 */
export function renderDefaultViewSet(entryBundle: PageBundle, storyBundle: PageBundle, ctx: RenderContext): Record<ViewFormat, string> {
  const q = DEFAULT_QUERY;
  const entries = indexBundle(entryBundle);
  const stories = indexBundle(storyBundle);
  const page = entryPageOf(entryBundle);
  const storyPage = storyPageOf(storyBundle);
  const bodies = new Map(entryBundle.bodies);
  const leads = new Map(storyBundle.bodies);
  return {
    json: renderEntryPage('json', entries, page, q, bodies, ctx),
    rss: renderEntryPage('rss', entries, page, q, bodies, ctx),
    atom: renderEntryPage('atom', entries, page, q, bodies, ctx),
    storiesRss: renderStoryFeed('storiesRss', stories, storyPage, q, leads, ctx),
    storiesAtom: renderStoryFeed('storiesAtom', stories, storyPage, q, leads, ctx),
    storiesJson: renderStoryFeed('storiesJson', stories, storyPage, q, leads, ctx),
    stories: renderStoryPage(stories, storyPage, q, { ...ctx, hubs: [] }),
    html: renderHomePage(stories, storyPage, q, { ...ctx, hubs: [] }),
  };
}
