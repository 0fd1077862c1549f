/**
 * The list query every feed format shares, pure: parse and validate its
 * parameters, and encode the keyset cursor. Filtering and paging themselves
 * are indexed SQL in the catalog (store/db.ts).
 *
 * Keyset, not offset: a cursor names the last item served (its sort time and
 * id), and the next page starts strictly after it. Entries arriving while a
 * client pages through cannot shift the pages, so following `next_url` walks
 * every entry (or story) exactly once and never repeats a URL.
 */
import type { Story, StoredEntry } from './model';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export class QueryError extends Error {
  constructor(readonly param: string, message: string) {
    super(message);
  }
}

/**
 * The last item a page served: its sort key (a time, or a story's rank key) and id. A sort=top
 * cursor also carries the revision time the first page was ranked at and the tier it is in
 * (rank.ts), so every page of one walk ranks against the same time.
 */
export interface Cursor {
  t: number;
  id: string;
  top?: { ref: number; tier: 1 | 2 };
}

/** Story order: `top` (rank.ts, the default) or `latest` (newest coverage first). Entry lists are always newest first. */
export type StorySort = 'top' | 'latest';

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
  /** The story order; a cursor's own order wins when `sort` is not given. */
  sort: StorySort;
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
  const raw = c.top ? `top.${c.top.ref}.${c.top.tier}.${c.t}.${c.id}` : `${c.t}.${c.id}`;
  return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor(s: string): Cursor {
  try {
    let raw = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    let top: Cursor['top'];
    const m = /^top\.(-?\d+)\.([12])\./.exec(raw);
    if (m) {
      top = { ref: Number(m[1]), tier: Number(m[2]) as 1 | 2 };
      raw = raw.slice(m[0].length);
    }
    const dot = raw.indexOf('.', raw.startsWith('-') ? 1 : 0);
    const t = Number(raw.slice(0, dot));
    const id = raw.slice(dot + 1);
    if (dot > 0 && Number.isFinite(t) && id && (!top || Number.isSafeInteger(top.ref))) return top ? { t, id, top } : { t, id };
  } catch {
    // fall through
  }
  throw new QueryError('cursor', 'cursor is not one this server issued; start again without it');
}

/** The story order asked for: `sort`, else the order of the cursor, else top. A cursor of the other order is refused. */
function storySort(params: URLSearchParams, cursor: Cursor | null): StorySort {
  const raw = params.get('sort');
  if (raw !== null && raw !== '' && raw !== 'top' && raw !== 'latest') throw new QueryError('sort', 'sort must be top or latest');
  const asked = raw === 'top' || raw === 'latest' ? raw : null;
  if (!cursor) return asked ?? 'top';
  const own: StorySort = cursor.top ? 'top' : 'latest';
  if (asked && asked !== own) throw new QueryError('cursor', `this cursor pages the ${own} order, not sort=${asked}; start again without it`);
  return own;
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
  // eslint-disable-next-line no-control-regex -- a category is a name: no control characters
  if (category && (category.length > MAX_CATEGORY || /[\u0000-\u001f]/.test(category))) throw new QueryError('category', `category must be a name of at most ${MAX_CATEGORY} characters`);
  const story = params.get('story')?.trim() || null;
  if (story && !STORY_ID.test(story)) throw new QueryError('story', 'story must be a story id as /stories.json gives it');
  const cursor = cursorRaw ? decodeCursor(cursorRaw) : null;
  return {
    sources,
    category,
    q,
    story,
    since,
    until,
    limit,
    dedupe,
    cursor,
    sort: storySort(params, cursor),
  };
}

/** True when the request is the pre-rendered default view (only `limit=50`, `sort=top` or nothing). */
export function isDefaultQuery(q: ListQuery): boolean {
  return !q.sources.length && !q.category && !q.q.length && !q.story && q.since === null && q.until === null &&
    q.limit === DEFAULT_LIMIT && q.dedupe && !q.cursor && q.sort === 'top';
}

export interface EntryPage {
  entries: StoredEntry[];
  next: Cursor | null;
}

export interface StoryPage {
  stories: Story[];
  next: Cursor | null;
  /** The time the page was ranked at (RFC 3339). */
  rankedAt: string;
  /** The stories in the top tier of sort=top (rank.ts); empty for sort=latest. */
  topIds: Set<string>;
}
