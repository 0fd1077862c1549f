/**
 * A small catalog that exercises what the renderers must get right: markup and
 * `]]>` in titles and bodies, XML-forbidden control characters, an entry with
 * no link and no summary, an image whose type the URL does not tell, a story
 * with several outlets and a merged copy, a source's language, a podcast
 * episode with several files (one of unknown type), a video embed in content
 * with no summary beside it, an entry with a link and no text at all, and
 * enough filler entries to need a second page.
 */
import { compareEntries, storyOf } from '../../src/catalog';
import type { SourceSnapshot, Story, StoredEntry } from '../../src/model';
import type { Cursor, ListQuery } from '../../src/query';
import { isTopStory } from '../../src/rank';
import type { PageBundle } from '../../src/store/pages';

export const SOURCES: Record<string, SourceSnapshot> = {
  variety: { id: 'variety', title: 'Variety', feed_url: 'https://variety.com/feed/', home_page_url: 'https://variety.com/', category: 'film' },
  deadline: { id: 'deadline', title: 'Deadline', feed_url: 'https://deadline.com/feed/', home_page_url: null, category: 'film' },
  billboard: { id: 'billboard', title: 'Billboard & Co', feed_url: 'https://www.billboard.com/feed/?a=1&b=2', home_page_url: 'https://www.billboard.com/', category: 'music' },
};

const T = (minutesAgo: number) => new Date(Date.UTC(2026, 10, 26, 12) - minutesAgo * 60_000).toISOString();

export function entry(over: Partial<StoredEntry> & Pick<StoredEntry, 'id' | 'sourceId'>): StoredEntry {
  return {
    guid: null, url: `https://example.com/${over.id.replace(/:/g, '-')}`, originalUrl: null, title: `Title of ${over.id}`,
    summaryText: `Summary of ${over.id}.`, image: null, authors: [], categories: [], language: null, published: T(100),
    updated: null, dateInferred: null, dateOriginal: null, firstSeen: T(100), contentHash: '0'.repeat(16), dupOf: null,
    storyId: `st_${over.id.replace(/\W/g, '')}`,
    ...over,
  };
}

export const ENTRIES: StoredEntry[] = [
  entry({
    id: 'variety:0000000000000001', sourceId: 'variety', url: 'https://variety.com/2026/film/oscars?x=1&y=2',
    originalUrl: 'https://variety.com/2026/film/oscars?x=1&y=2&utm_source=rss',
    title: 'Oscars & <Stuff>: "the" nominees', summaryText: 'Who made it & who did not.', image: 'https://i.example.com/oscars.jpg',
    authors: ['Jane Doe', 'Ann O\'Neil'], categories: ['Film', 'Awards & Prizes'], language: 'en-US', published: T(10), updated: T(5),
    storyId: 'st_oscars',
  }),
  entry({ id: 'deadline:0000000000000002', sourceId: 'deadline', title: 'The Oscar nominees are in', published: T(20), storyId: 'st_oscars' }),
  entry({
    id: 'deadline:0000000000000003', sourceId: 'deadline', url: 'https://variety.com/2026/film/oscars?x=1&y=2', title: 'Oscars & <Stuff>: "the" nominees',
    published: T(9), dupOf: 'variety:0000000000000001', storyId: 'st_oscars',
  }),
  entry({
    id: 'billboard:0000000000000004', sourceId: 'billboard', url: null, originalUrl: null, title: 'Bell\u0007 rings \u{1F3B5} for <script>alert(1)</script>',
    summaryText: '', image: 'https://img.example.com/photo?id=3', published: T(30), storyId: 'st_bell',
  }),
  entry({ id: 'billboard:0000000000000005', sourceId: 'billboard', url: 'javascript:alert(1)', title: 'A link that must not become an href', published: T(40), storyId: 'st_js' }),
  entry({
    id: 'billboard:0000000000000006', sourceId: 'billboard', url: 'https://www.billboard.com/podcast/ep-180', title: 'Ep 180: Reece Shearsmith',
    image: 'https://i.example.com/cover.jpg', published: T(45), storyId: 'st_podcast',
    enclosures: [
      { url: 'https://audio.example.com/ep-180.mp3', type: 'audio/mpeg', length: 92555409, durationSeconds: 4627 },
      { url: 'https://i.example.com/cover.jpg', type: 'image/jpeg', length: 3551198, durationSeconds: null },
      { url: 'https://files.example.com/transcript', type: null, length: null, durationSeconds: null },
    ],
  }),
  entry({ id: 'deadline:0000000000000007', sourceId: 'deadline', title: 'Trailer: the sequel', summaryText: '', published: T(50), storyId: 'st_trailer' }),
  entry({ id: 'variety:0000000000000008', sourceId: 'variety', title: 'Headline only', summaryText: '', published: T(55), storyId: 'st_headline' }),
  ...Array.from({ length: 12 }, (_, i) => entry({
    id: `deadline:f${String(i).padStart(15, '0')}`, sourceId: 'deadline', title: `Filler story ${i}`, published: T(60 + i * 7),
  })),
];

/** entry id -> [summaryHtml, contentHtml], as the body parts hold them. */
export const BODIES = new Map<string, [string, string]>([
  ['variety:0000000000000001', [
    '<p>Who made it &amp; <a href="https://variety.com/x">who</a> did not. A ]]&gt; inside.</p>',
    '<p>Full story with ]]> and <img src="https://i.example.com/inline.png" alt="inline"> and <a href="https://variety.com/y?a=1&amp;b=2">more</a>.</p>',
  ]],
  // A video post: content with no text and no summary, an allowed embed as the sanitizer writes it.
  ['deadline:0000000000000007', [
    '',
    '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="Official trailer" width="560" height="315" allowfullscreen sandbox="allow-scripts allow-same-origin allow-popups allow-presentation" loading="lazy" referrerpolicy="strict-origin-when-cross-origin"></iframe><video src="https://v.example.com/clip.mp4" controls></video>',
  ]],
]);

export const UPDATED_AT = '2026-11-26T12:00:00.000Z';

/**
 * What the catalog's page queries (store/db.ts, tested in workerd) return for this fixture, for
 * the filters the render tests use (source, category, limit, cursor, dedupe), computed in memory.
 */
function matching(q: ListQuery): StoredEntry[] {
  const hits = ENTRIES.filter((e) => (!q.sources.length || q.sources.includes(e.sourceId)) && (!q.category || SOURCES[e.sourceId]?.category === q.category));
  const ids = new Set(hits.map((e) => e.id));
  return hits.filter((e) => !q.dedupe || !e.dupOf || !ids.has(e.dupOf)).map((e) => ({ ...e })).sort(compareEntries);
}

function allStories(): Story[] {
  const ids = [...new Set(ENTRIES.map((e) => e.storyId))];
  return ids.map((id) => storyOf(id, ENTRIES.filter((e) => e.storyId === id && !e.dupOf))).filter((s): s is Story => !!s);
}

export function fixtureEntryBundle(q: ListQuery, rev = 7): PageBundle {
  let list = matching(q);
  if (q.cursor) list = list.filter((e) => Date.parse(e.published) < q.cursor!.t || (Date.parse(e.published) === q.cursor!.t && e.id < q.cursor!.id));
  const page = list.slice(0, q.limit);
  const last = page[page.length - 1];
  const storyIds = new Set(page.map((e) => e.storyId));
  return {
    rev, updatedAt: UPDATED_AT, sources: SOURCES, entries: page, stories: allStories().filter((s) => storyIds.has(s.id)),
    members: ENTRIES.filter((e) => storyIds.has(e.storyId)), bodies: [...BODIES].filter(([id]) => page.some((e) => e.id === id)),
    next: list.length > q.limit && last ? { t: Date.parse(last.published), id: last.id } : null,
  };
}

const byKey = (key: (s: Story) => number) => (a: Story, b: Story) => key(b) - key(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
const afterKey = (list: Story[], key: (s: Story) => number, c: { t: number; id: string } | null) =>
  c ? list.filter((s) => key(s) < c.t || (key(s) === c.t && s.id < c.id)) : list;

/** What store/pages.ts storyPageBundle returns for this fixture: sort=top in two tiers (rank.ts), or sort=latest. */
export function fixtureStoryBundle(q: ListQuery, rev = 7): PageBundle {
  const wanted = new Set(matching({ ...q, dedupe: false }).map((e) => e.storyId));
  const list = allStories().filter((s) => wanted.has(s.id));
  const updated = (s: Story) => Date.parse(s.updated);
  const ref = q.cursor?.top?.ref ?? Date.parse(UPDATED_AT);
  let rows: Array<{ s: Story; tier: 1 | 2 }>;
  if (q.sort === 'latest') {
    rows = afterKey(list.sort(byKey(updated)), updated, q.cursor).map((s) => ({ s, tier: 2 }));
  } else {
    const c = q.cursor;
    const top = c && c.top?.tier === 2 ? [] : afterKey(list.filter((s) => isTopStory(s, ref)).sort(byKey((s) => s.rank)), (s) => s.rank, c);
    const rest = afterKey(list.filter((s) => !isTopStory(s, ref)).sort(byKey(updated)), updated, c?.top?.tier === 2 ? c : null);
    rows = [...top.map((s) => ({ s, tier: 1 as const })), ...rest.map((s) => ({ s, tier: 2 as const }))];
  }
  const page = rows.slice(0, q.limit);
  const ids = new Set(page.map((r) => r.s.id));
  const last = page[page.length - 1];
  let next: Cursor | null = null;
  if (rows.length > q.limit && last) {
    const t = last.tier === 1 ? last.s.rank : updated(last.s);
    next = q.sort === 'latest' ? { t, id: last.s.id } : { t, id: last.s.id, top: { ref, tier: last.tier } };
  }
  const stories = page.map((r) => r.s);
  return {
    rev, updatedAt: UPDATED_AT, sources: SOURCES, entries: [], stories, members: ENTRIES.filter((e) => ids.has(e.storyId)),
    bodies: [...BODIES].filter(([id]) => stories.some((s) => s.leadId === id)).map(([id, b]) => [id, [b[0], '']] as [string, [string, string]]).filter(([, b]) => b[0]),
    next, rankedAt: new Date(ref).toISOString(), topIds: page.filter((r) => r.tier === 1 && q.sort === 'top').map((r) => r.s.id),
  };
}
