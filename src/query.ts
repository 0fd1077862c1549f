/**
 * Reading the catalog for a request, pure: parse and validate the query
 * parameters every feed format shares, filter, and page with a keyset cursor.
 *
 * Keyset, not offset: a cursor names the last item served (its sort time and
 * id), and the next page starts strictly after it. Entries arriving while a
 * client pages through cannot shift the pages, so following `next_url` walks
 * every entry (or story) exactly once and never repeats a URL.
 */
import { compareEntries } from './catalog';
import type { Story } from './model';
import type { SourceSnapshot, StoredEntry } from './store';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export class QueryError extends Error {
  constructor(readonly param: string, message: string) {
    super(message);
  }
}

export interface Cursor {
  t: number;
  id: string;
}

export interface ListQuery {
  sources: string[];
  category: string | null;
  q: string[];
  story: string | null;
  since: number | null;
  until: number | null;
  limit: number;
  dedupe: boolean;
  cursor: Cursor | null;
}

/** RFC 3339 §5.6 date-time (a bare full-date is accepted as its midnight UTC; space for `T` per the §5.6 note). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):(\d{2})))?$/;

/**
 * The instants a bound may name: those whose UTC year has four digits (RFC 3339 §5.6 date-fullyear
 * is 4DIGIT). `0000-01-01T00:00:00+00:01` is in year -1 once its offset is applied, and a
 * `next_url` written from it (`since=-000001-...`) would be refused: such bounds are refused here.
 */
const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/** Parse strictly: JavaScript's Date.parse rolls 2026-02-30 over to March 2, RFC 3339 does not. */
function parseRfc3339(v: string): number {
  const m = RFC3339.exec(v);
  if (!m) return NaN;
  const [y, mo, d, h = '0', mi = '0', sec = '0', oh = '0', om = '0'] = m.slice(1).map((x) => x ?? undefined) as string[];
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999 (0000 is a leap year, 1900 is not).
  const last = new Date(0);
  last.setUTCFullYear(Number(y), Number(mo), 0);
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > last.getUTCDate()) return NaN;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59 || Number(oh) > 23 || Number(om) > 59) return NaN;
  const t = Date.parse(v.replace(' ', 'T'));
  return t >= MIN_TIME && t <= MAX_TIME ? t : NaN;
}

/** Source ids as schemas/sources.schema.json allows them. */
const SOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Story ids are opaque; this bounds them to what group.ts could have produced. */
const STORY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_CATEGORY = 64;
const MAX_SOURCES = 50;

function parseTime(params: URLSearchParams, name: string): number | null {
  let v = params.get(name);
  if (v === null || v === '') return null;
  // An unencoded `+` in a query string arrives as a space: `...T08:00:00 01:00` meant `+01:00`.
  v = v.replace(/(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:\d{2})$/, '$1+$2');
  const t = parseRfc3339(v);
  if (Number.isNaN(t)) throw new QueryError(name, `${name} must be an RFC 3339 date-time such as 2026-11-26T08:00:00Z, in the years 0000 to 9999 (UTC)`);
  return t;
}

export function encodeCursor(c: Cursor): string {
  return btoa(`${c.t}.${c.id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor(s: string): Cursor {
  try {
    const raw = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    const dot = raw.indexOf('.');
    const t = Number(raw.slice(0, dot));
    const id = raw.slice(dot + 1);
    if (dot > 0 && Number.isFinite(t) && id) return { t, id };
  } catch {
    // fall through
  }
  throw new QueryError('cursor', 'cursor is not one this server issued; start again without it');
}

export function parseListQuery(params: URLSearchParams): ListQuery {
  const rawLimit = params.get('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null && rawLimit !== '') {
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1) throw new QueryError('limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
    limit = Math.min(MAX_LIMIT, Number(rawLimit));
  }
  const dedupeRaw = params.get('dedupe');
  let dedupe = true;
  if (dedupeRaw !== null && dedupeRaw !== '') {
    if (['false', '0', 'no'].includes(dedupeRaw)) dedupe = false;
    else if (['true', '1', 'yes'].includes(dedupeRaw)) dedupe = true;
    else throw new QueryError('dedupe', 'dedupe must be true or false');
  }
  const since = parseTime(params, 'since');
  const until = parseTime(params, 'until');
  if (since !== null && until !== null && since > until) throw new QueryError('since', 'since must not be after until');
  const q = (params.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (q.join(' ').length > 200) throw new QueryError('q', 'q is limited to 200 characters');
  const cursorRaw = params.get('cursor');
  const sources = [...new Set(params.getAll('source').flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))];
  for (const s of sources) if (!SOURCE_ID.test(s)) throw new QueryError('source', `source ${JSON.stringify(s.slice(0, 80))} is not a source id (letters, digits, ".", "_" and "-", at most 64)`);
  if (sources.length > MAX_SOURCES) throw new QueryError('source', `at most ${MAX_SOURCES} sources at once`);
  const category = params.get('category')?.trim().toLowerCase() || null;
  if (category && (category.length > MAX_CATEGORY || /[\u0000-\u001f]/.test(category))) throw new QueryError('category', `category must be a name of at most ${MAX_CATEGORY} characters`);
  const story = params.get('story')?.trim() || null;
  if (story && !STORY_ID.test(story)) throw new QueryError('story', 'story must be a story id as /stories.json gives it');
  return {
    sources,
    category,
    q,
    story,
    since,
    until,
    limit,
    dedupe,
    cursor: cursorRaw ? decodeCursor(cursorRaw) : null,
  };
}

/** True when the request is the pre-rendered default view (only `limit=50` or nothing). */
export function isDefaultQuery(q: ListQuery): boolean {
  return !q.sources.length && !q.category && !q.q.length && !q.story && q.since === null && q.until === null &&
    q.limit === DEFAULT_LIMIT && q.dedupe && !q.cursor;
}

function matches(e: StoredEntry, q: ListQuery, sources: Record<string, SourceSnapshot>): boolean {
  if (q.sources.length && !q.sources.includes(e.sourceId)) return false;
  if (q.story && e.storyId !== q.story) return false;
  const t = Date.parse(e.published);
  if (q.since !== null && t < q.since) return false;
  if (q.until !== null && t >= q.until) return false;
  // `category` is the source's section (film, music, tv...), as configured in the source list.
  if (q.category && sources[e.sourceId]?.category?.toLowerCase() !== q.category) return false;
  if (q.q.length) {
    const hay = `${e.title} ${e.summaryText}`.toLowerCase();
    if (!q.q.every((w) => hay.includes(w))) return false;
  }
  return true;
}

export interface EntryPage {
  entries: StoredEntry[];
  next: Cursor | null;
}

/**
 * Filter and page entries. With dedupe on, a copy is hidden when its primary is also in the
 * result; a copy whose primary was filtered out (another source, say) is shown in its place.
 */
export function selectEntries(all: StoredEntry[], q: ListQuery, sources: Record<string, SourceSnapshot>): EntryPage {
  const hits = all.filter((e) => matches(e, q, sources));
  let list = hits;
  if (q.dedupe) {
    const ids = new Set(hits.map((e) => e.id));
    list = hits.filter((e) => !e.dupOf || !ids.has(e.dupOf));
  }
  list.sort(compareEntries);
  if (q.cursor) {
    const c = q.cursor;
    list = list.filter((e) => {
      const t = Date.parse(e.published);
      return t < c.t || (t === c.t && e.id < c.id);
    });
  }
  const page = list.slice(0, q.limit);
  const last = page[page.length - 1];
  return { entries: page, next: list.length > q.limit && last ? { t: Date.parse(last.published), id: last.id } : null };
}

export interface StoryPage {
  stories: Story[];
  next: Cursor | null;
}

/**
 * Filter and page stories: a story matches when any of its entries matches the entry filters.
 * `stories` is the table already derived from `all` (render/index.ts indexCatalog builds it
 * once per catalog revision), so a request does not rebuild it.
 */
export function selectStories(all: StoredEntry[], stories: Map<string, Story>, q: ListQuery, sources: Record<string, SourceSnapshot>): StoryPage {
  const filtered = q.sources.length || q.category || q.q.length || q.since !== null || q.until !== null;
  let list = [...stories.values()];
  if (filtered || q.story) {
    const wanted = new Set(all.filter((e) => matches(e, { ...q, story: null }, sources)).map((e) => e.storyId));
    list = list.filter((s) => wanted.has(s.id) && (!q.story || s.id === q.story));
  }
  list.sort((a, b) => Date.parse(b.updated) - Date.parse(a.updated) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  if (q.cursor) {
    const c = q.cursor;
    list = list.filter((s) => {
      const t = Date.parse(s.updated);
      return t < c.t || (t === c.t && s.id < c.id);
    });
  }
  const page = list.slice(0, q.limit);
  const last = page[page.length - 1];
  return { stories: page, next: list.length > q.limit && last ? { t: Date.parse(last.updated), id: last.id } : null };
}
