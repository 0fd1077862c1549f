/**
 * The catalog's SQL repository: typed reads and writes over the tables in
 * schema.ts, and nothing else (no policy: what to write and when is decided
 * by commit.ts and object.ts). It is the only module that knows SQL.
 *
 * Entries are stored as indexed columns (what queries filter and sort on)
 * plus `doc`, the JSON of every other field of a StoredEntry, so a field added
 * to the model is stored without a migration. `storyId` and `dupOf` live only
 * in their columns, because they change without the rest of the record.
 */
import type { ListQuery } from '../query';
import type { EntryBodies, Source, SourceSnapshot, SourceState, Story, StoredEntry } from '../model';
import type { Subscription } from '../websub-state';
import { Sql, type SqlValue } from './sql';

interface EntryRow extends Record<string, SqlStorageValue> {
  id: string;
  source_id: string;
  story_id: string;
  dup_of: string | null;
  doc: string;
}

interface StoryRow extends Record<string, SqlStorageValue> {
  id: string;
  title: string;
  size: number;
  source_ids: string;
  entry_ids: string;
  lead_id: string;
  first: string;
  updated: string;
  outlets: number;
  momentum: number;
  rank: number | null;
  seen: string;
  grown_at: string | null;
}

interface SourceRow extends Record<string, SqlStorageValue> {
  id: string;
  pos: number;
  url: string;
  title: string | null;
  home_page_url: string | null;
  category: string | null;
  state: string | null;
  state_saved_at: string | null;
  entry_count: number;
}

/** What an incoming entry is matched against: the stored entry with the same source and item key. */
export interface ExistingEntry {
  id: string;
  itemKey: string;
  contentHash: string;
  entry: StoredEntry;
}

const ENTRY_COLS = 'id, source_id, story_id, dup_of, doc';

/** The part of an entry id after `<source id>:`: the item's identity within its feed. */
export function itemKeyOf(e: Pick<StoredEntry, 'id' | 'sourceId'>): string {
  return e.id.startsWith(`${e.sourceId}:`) ? e.id.slice(e.sourceId.length + 1) : e.id;
}

function toEntry(r: EntryRow): StoredEntry {
  return { ...(JSON.parse(r.doc) as StoredEntry), id: r.id, sourceId: r.source_id, storyId: r.story_id, dupOf: r.dup_of };
}

function toStory(r: StoryRow): Story {
  return {
    id: r.id, title: r.title, size: r.size, sourceIds: JSON.parse(r.source_ids), entryIds: JSON.parse(r.entry_ids),
    leadId: r.lead_id, first: r.first, updated: r.updated, outlets: r.outlets, momentum: r.momentum,
    rank: r.rank ?? Date.parse(r.updated), seen: r.seen || r.updated, grownAt: r.grown_at,
  };
}

function docOf(e: StoredEntry): string {
  const { id: _i, sourceId: _s, storyId: _st, dupOf: _d, ...rest } = e;
  return JSON.stringify(rest);
}

/** Stored dates are Date#toISOString output; query bounds are written the same way so they compare as strings. */
const iso = (ms: number) => new Date(ms).toISOString();

export class CatalogDb {
  constructor(readonly sql: Sql) {}

  // ---- meta -------------------------------------------------------------------------

  meta(key: string): string | null {
    return this.sql.one<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.sql.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value);
  }

  // ---- sources and their state -----------------------------------------------------------

  sources(): Source[] {
    return this.sql.all<SourceRow>('SELECT * FROM sources ORDER BY pos').map((r) => ({
      id: r.id, url: r.url, title: r.title, home_page_url: r.home_page_url, category: r.category,
    }));
  }

  source(id: string): Source | null {
    const r = this.sql.one<SourceRow>('SELECT * FROM sources WHERE id = ?', id);
    return r ? { id: r.id, url: r.url, title: r.title, home_page_url: r.home_page_url, category: r.category } : null;
  }

  /** Insert or update one configured source at position `pos`, keeping its state and counts. */
  upsertSource(s: Source, pos: number): void {
    this.sql.run(
      `INSERT INTO sources (id, pos, url, title, home_page_url, category) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET pos = excluded.pos, url = excluded.url, title = excluded.title,
         home_page_url = excluded.home_page_url, category = excluded.category`,
      s.id, pos, s.url, s.title, s.home_page_url, s.category,
    );
  }

  deleteSource(id: string): void {
    this.sql.run('DELETE FROM sources WHERE id = ?', id);
  }

  /** Move a source's row (state, counts) and its entries to a new id: a rename that keeps its URL. */
  renameSource(from: string, to: string): void {
    this.sql.run("UPDATE sources SET id = ?, state = json_set(state, '$.id', ?) WHERE id = ?", to, to, from);
    this.sql.run('UPDATE entries SET source_id = ? WHERE source_id = ?', to, from);
    this.sql.run('UPDATE OR REPLACE tombstones SET source_id = ? WHERE source_id = ?', to, from);
    this.sql.run("UPDATE websub SET source_id = ?, doc = json_set(doc, '$.sourceId', ?) WHERE source_id = ?", to, to, from);
  }

  state(id: string): SourceState | null {
    const r = this.sql.one<{ state: string | null }>('SELECT state FROM sources WHERE id = ?', id);
    return r?.state ? (JSON.parse(r.state) as SourceState) : null;
  }

  /** Every configured source with its state (null before its first state is saved). */
  sourcesWithState(): Array<{ source: Source; state: SourceState | null; savedAt: string | null; entries: number }> {
    return this.sql.all<SourceRow>('SELECT * FROM sources ORDER BY pos').map((r) => ({
      source: { id: r.id, url: r.url, title: r.title, home_page_url: r.home_page_url, category: r.category },
      state: r.state ? (JSON.parse(r.state) as SourceState) : null,
      savedAt: r.state_saved_at,
      entries: r.entry_count,
    }));
  }

  saveState(state: SourceState, at: Date): void {
    this.sql.run('UPDATE sources SET state = ?, state_saved_at = ? WHERE id = ?', JSON.stringify(state), at.toISOString(), state.id);
  }

  stateSavedAt(id: string): string | null {
    return this.sql.one<{ state_saved_at: string | null }>('SELECT state_saved_at FROM sources WHERE id = ?', id)?.state_saved_at ?? null;
  }

  /**
   * How each source is shown: its configured title, else the feed's own, else its id. Every
   * page bundle needs this for every source; SQLite picks the two fields out of each state, so
   * no state is parsed here.
   */
  snapshots(): Record<string, SourceSnapshot> {
    const out: Record<string, SourceSnapshot> = {};
    const rows = this.sql.all<SourceRow & { feed_title: string | null; feed_link: string | null }>(
      "SELECT id, url, title, home_page_url, category, state ->> '$.feedTitle' AS feed_title, state ->> '$.feedLink' AS feed_link FROM sources ORDER BY pos",
    );
    for (const r of rows) {
      out[r.id] = {
        id: r.id,
        title: r.title ?? r.feed_title ?? r.id,
        feed_url: r.url,
        home_page_url: r.home_page_url ?? r.feed_link ?? null,
        category: r.category,
      };
    }
    return out;
  }

  entryCounts(): Map<string, number> {
    return new Map(this.sql.all<{ id: string; entry_count: number }>('SELECT id, entry_count FROM sources').map((r) => [r.id, r.entry_count]));
  }

  /** Kept by triggers (schema.ts migration 5): a sum over the sources would read every source. */
  totalEntries(): number {
    return Number(this.meta('entry_count') ?? 0);
  }

  /** The `limit` sources holding the most entries, largest first (read through an index). */
  largestSources(limit: number): Array<{ id: string; count: number }> {
    return this.sql.all<{ id: string; entry_count: number }>('SELECT id, entry_count FROM sources INDEXED BY sources_entry_count ORDER BY entry_count DESC, id DESC LIMIT ?', limit)
      .map((r) => ({ id: r.id, count: r.entry_count }));
  }

  private bumpCount(sourceId: string, by: number): void {
    this.sql.run('UPDATE sources SET entry_count = MAX(0, entry_count + ?) WHERE id = ?', by, sourceId);
  }

  // ---- entries ------------------------------------------------------------------------

  /** Stored entries of one source with these item keys (the identity of an item in its feed). */
  existing(sourceId: string, itemKeys: string[]): Map<string, ExistingEntry> {
    const rows = this.sql.inChunks<EntryRow & { item_key: string; content_hash: string }>(
      itemKeys,
      (p) => `SELECT ${ENTRY_COLS}, item_key, content_hash FROM entries WHERE source_id = ? AND item_key IN (${p})`,
      sourceId,
    );
    return new Map(rows.map((r) => [r.item_key, { id: r.id, itemKey: r.item_key, contentHash: r.content_hash, entry: toEntry(r) }]));
  }

  /** Item keys of this source that retention removed (they stay removed while the feed lists them). */
  tombstoned(sourceId: string, itemKeys: string[]): Set<string> {
    const rows = this.sql.inChunks<{ item_key: string }>(itemKeys, (p) => `SELECT item_key FROM tombstones WHERE source_id = ? AND item_key IN (${p})`, sourceId);
    return new Set(rows.map((r) => r.item_key));
  }

  insertEntry(e: StoredEntry, urlKey: string | null, bodies: EntryBodies): void {
    this.sql.run(
      `INSERT INTO entries (id, source_id, item_key, published, first_seen, story_id, dup_of, url_key, content_hash, title, summary_text, doc, summary_html, content_html)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      e.id, e.sourceId, itemKeyOf(e), e.published, e.firstSeen, e.storyId, e.dupOf, urlKey, e.contentHash, e.title, e.summaryText, docOf(e), bodies[0], bodies[1],
    );
    this.bumpCount(e.sourceId, 1);
  }

  updateEntry(e: StoredEntry, urlKey: string | null, bodies: EntryBodies): void {
    this.sql.run(
      `UPDATE entries SET published = ?, story_id = ?, dup_of = ?, url_key = ?, content_hash = ?, title = ?, summary_text = ?, doc = ?, summary_html = ?, content_html = ?
       WHERE id = ?`,
      e.published, e.storyId, e.dupOf, urlKey, e.contentHash, e.title, e.summaryText, docOf(e), bodies[0], bodies[1], e.id,
    );
  }

  entries(ids: string[]): StoredEntry[] {
    return this.sql.inChunks<EntryRow>(ids, (p) => `SELECT ${ENTRY_COLS} FROM entries WHERE id IN (${p})`).map(toEntry);
  }

  bodies(ids: string[]): Map<string, EntryBodies> {
    const rows = this.sql.inChunks<{ id: string; summary_html: string; content_html: string }>(ids, (p) => `SELECT id, summary_html, content_html FROM entries WHERE id IN (${p})`);
    return new Map(rows.filter((r) => r.summary_html || r.content_html).map((r) => [r.id, [r.summary_html, r.content_html]]));
  }

  /** Summary HTML only (content left empty), for story views that show each lead's summary. */
  summaries(ids: string[]): Map<string, EntryBodies> {
    const rows = this.sql.inChunks<{ id: string; summary_html: string }>(ids, (p) => `SELECT id, summary_html FROM entries WHERE id IN (${p}) AND summary_html != ''`);
    return new Map(rows.map((r) => [r.id, [r.summary_html, '']]));
  }

  /** Every entry (primaries and copies) of these stories. */
  entriesOfStories(storyIds: string[]): StoredEntry[] {
    return this.sql.inChunks<EntryRow>(storyIds, (p) => `SELECT ${ENTRY_COLS} FROM entries WHERE story_id IN (${p})`).map(toEntry);
  }

  /** Copies of these primaries. */
  copiesOf(primaryIds: string[]): StoredEntry[] {
    return this.sql.inChunks<EntryRow>(primaryIds, (p) => `SELECT ${ENTRY_COLS} FROM entries WHERE dup_of IN (${p})`).map(toEntry);
  }

  setDupOf(ids: string[], primaryId: string | null): void {
    this.sql.inChunks(ids, (p) => `UPDATE entries SET dup_of = ? WHERE id IN (${p})`, primaryId);
  }

  /** Relabel every entry of `from` stories to `to` (stories merged). */
  moveStories(from: string[], to: string): void {
    this.sql.inChunks(from, (p) => `UPDATE entries SET story_id = ? WHERE story_id IN (${p})`, to);
  }

  /** Delete entries; with `tombstone`, remember their item keys so their feed cannot bring them back. */
  deleteEntries(entries: Array<Pick<StoredEntry, 'id' | 'sourceId'>>, tombstoneAt: Date | null): void {
    const perSource = new Map<string, number>();
    for (const e of entries) perSource.set(e.sourceId, (perSource.get(e.sourceId) ?? 0) + 1);
    this.sql.inChunks(entries.map((e) => e.id), (p) => `DELETE FROM entries WHERE id IN (${p})`);
    if (tombstoneAt) {
      for (const e of entries) {
        this.sql.run('INSERT OR REPLACE INTO tombstones (source_id, item_key, deleted_at) VALUES (?, ?, ?)', e.sourceId, itemKeyOf(e), tombstoneAt.toISOString());
      }
    }
    for (const [id, n] of perSource) this.bumpCount(id, -n);
  }

  /** The oldest entries by first-seen time: all of them before `cutoff`, at most `limit`. */
  firstSeenBefore(cutoff: string, limit: number): StoredEntry[] {
    return this.sql.all<EntryRow>(`SELECT ${ENTRY_COLS} FROM entries WHERE first_seen < ? ORDER BY first_seen, id LIMIT ?`, cutoff, limit).map(toEntry);
  }

  /** A source's oldest entries by first-seen time. */
  oldestOf(sourceId: string, limit: number): StoredEntry[] {
    return this.sql.all<EntryRow>(`SELECT ${ENTRY_COLS} FROM entries WHERE source_id = ? ORDER BY first_seen, id LIMIT ?`, sourceId, limit).map(toEntry);
  }

  /** Every entry of a source, in batches (for removing a source). */
  idsOfSource(sourceId: string, limit: number): Array<Pick<StoredEntry, 'id' | 'sourceId'>> {
    return this.sql.all<{ id: string }>('SELECT id FROM entries WHERE source_id = ? LIMIT ?', sourceId, limit).map((r) => ({ id: r.id, sourceId }));
  }

  pruneTombstones(before: string): void {
    this.sql.run('DELETE FROM tombstones WHERE deleted_at < ?', before);
  }

  /** All entries without their HTML, oldest first. */
  allEntries(): StoredEntry[] {
    return this.sql.all<EntryRow>(`SELECT ${ENTRY_COLS} FROM entries ORDER BY published, id`).map(toEntry);
  }

  // ---- stories ------------------------------------------------------------------------

  /** Primary members of these stories, newest first within each. */
  primariesOf(storyId: string): StoredEntry[] {
    return this.sql.all<EntryRow>(`SELECT ${ENTRY_COLS} FROM entries WHERE story_id = ? AND dup_of IS NULL ORDER BY published DESC, id DESC`, storyId).map(toEntry);
  }

  saveStory(s: Story): void {
    this.sql.run(
      `INSERT INTO stories (id, title, size, source_ids, entry_ids, lead_id, first, updated, outlets, momentum, rank, seen, grown_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET title = excluded.title, size = excluded.size, source_ids = excluded.source_ids,
         entry_ids = excluded.entry_ids, lead_id = excluded.lead_id, first = excluded.first, updated = excluded.updated,
         outlets = excluded.outlets, momentum = excluded.momentum, rank = excluded.rank, seen = excluded.seen, grown_at = excluded.grown_at`,
      s.id, s.title, s.size, JSON.stringify(s.sourceIds), JSON.stringify(s.entryIds), s.leadId, s.first, s.updated,
      s.outlets, s.momentum, s.rank, s.seen, s.grownAt,
    );
  }

  /** Stories stored before ranking existed (schema migration 3), at most `limit`. */
  storiesWithoutRank(limit: number): Array<Pick<Story, 'id' | 'updated' | 'outlets' | 'momentum'>> {
    return this.sql.all<{ id: string; updated: string; outlets: number; momentum: number }>(
      'SELECT id, updated, outlets, momentum FROM stories WHERE rank IS NULL LIMIT ?', limit,
    );
  }

  setRank(id: string, rank: number): void {
    this.sql.run('UPDATE stories SET rank = ? WHERE id = ?', rank, id);
  }

  deleteStory(id: string): void {
    this.sql.run('DELETE FROM stories WHERE id = ?', id);
  }

  stories(ids: string[]): Story[] {
    return this.sql.inChunks<StoryRow>(ids, (p) => `SELECT * FROM stories WHERE id IN (${p})`).map(toStory);
  }

  /** Kept by triggers (schema.ts migration 5): COUNT(*) would read every story. */
  storyCount(): number {
    return Number(this.meta('story_count') ?? 0);
  }

  // ---- WebSub subscriptions --------------------------------------------------------------

  subscription(token: string): Subscription | null {
    const r = this.sql.one<{ doc: string }>('SELECT doc FROM websub WHERE token = ?', token);
    return r ? (JSON.parse(r.doc) as Subscription) : null;
  }

  subscriptionsOf(sourceId: string): Subscription[] {
    return this.sql.all<{ doc: string }>('SELECT doc FROM websub WHERE source_id = ? ORDER BY token', sourceId).map((r) => JSON.parse(r.doc) as Subscription);
  }

  /** Every subscription (at most a few per configured or just-removed source). */
  subscriptions(): Subscription[] {
    return this.sql.all<{ doc: string }>('SELECT doc FROM websub ORDER BY source_id, token').map((r) => JSON.parse(r.doc) as Subscription);
  }

  saveSubscription(s: Subscription): void {
    this.sql.run(
      'INSERT INTO websub (token, source_id, doc) VALUES (?, ?, ?) ON CONFLICT(token) DO UPDATE SET source_id = excluded.source_id, doc = excluded.doc',
      s.token, s.sourceId, JSON.stringify(s),
    );
  }

  deleteSubscription(token: string): void {
    this.sql.run('DELETE FROM websub WHERE token = ?', token);
  }

  // ---- runs ------------------------------------------------------------------

  addRun(startedAt: string, summary: unknown, keep: number): void {
    this.sql.run('INSERT INTO runs (started_at, summary) VALUES (?, ?)', startedAt, JSON.stringify(summary));
    this.sql.run('DELETE FROM runs WHERE n <= (SELECT MAX(n) FROM runs) - ?', keep);
  }

  /** Run summaries newest first, after run number `before` when given. */
  runs(limit: number, before: number | null): Array<{ n: number; summary: unknown }> {
    const rows = before === null
      ? this.sql.all<{ n: number; summary: string }>('SELECT n, summary FROM runs ORDER BY n DESC LIMIT ?', limit)
      : this.sql.all<{ n: number; summary: string }>('SELECT n, summary FROM runs WHERE n < ? ORDER BY n DESC LIMIT ?', before, limit);
    return rows.map((r) => ({ n: r.n, summary: JSON.parse(r.summary) }));
  }

  // ---- list queries ------------------------------------------------------------------------

  /**
   * A page of entries matching `q`, newest first, keyset-paged (`limit + 1` rows are read so the
   * caller knows whether there is a next page). With dedupe on, a copy is hidden when its
   * primary matches too; a copy whose primary was filtered out is shown in its place.
   */
  entryPage(q: ListQuery): StoredEntry[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const filter = filterSql(q, 'e');
    where.push(...filter.where);
    params.push(...filter.params);
    if (q.dedupe) {
      if (filter.where.length) {
        const p = filterSql(q, 'p');
        where.push(`(e.dup_of IS NULL OR NOT EXISTS (SELECT 1 FROM entries p WHERE p.id = e.dup_of${p.where.map((w) => ` AND ${w}`).join('')}))`);
        params.push(...p.params);
      } else {
        where.push('e.dup_of IS NULL');
      }
    }
    if (q.cursor) {
      where.push('(e.published < ? OR (e.published = ? AND e.id < ?))');
      params.push(iso(q.cursor.t), iso(q.cursor.t), q.cursor.id);
    }
    const sql = `SELECT e.id, e.source_id, e.story_id, e.dup_of, e.doc FROM entries e${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY e.published DESC, e.id DESC LIMIT ?`;
    return this.sql.all<EntryRow>(sql, ...params, q.limit + 1).map(toEntry);
  }

  /**
   * A page of stories with an entry matching `q` (any entry, copies included), latest update
   * first, after `after` (the sort=latest order). `exclude` leaves out the top tier of sort=top.
   */
  storyPage(q: ListQuery, after: { t: number; id: string } | null = q.cursor, limit = q.limit + 1, exclude: TopTier | null = null): Story[] {
    const { where, params } = storyFilterSql(q);
    if (exclude) {
      where.push('NOT (s.outlets >= ? AND s.seen >= ?)');
      params.push(exclude.minOutlets, exclude.seenSince);
    }
    if (after) {
      where.push('(s.updated < ? OR (s.updated = ? AND s.id < ?))');
      params.push(iso(after.t), iso(after.t), after.id);
    }
    const sql = `SELECT s.* FROM stories s${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY s.updated DESC, s.id DESC LIMIT ?`;
    return this.sql.all<StoryRow>(sql, ...params, limit).map(toStory);
  }

  /**
   * The top tier of sort=top (rank.ts): stories matching `q` with enough outlets whose newest
   * coverage was first seen since `tier.seenSince`, highest rank first, after `after`. The
   * candidates are read through the `seen` index, so the cost follows the horizon, not the catalog.
   */
  topStoryPage(q: ListQuery, tier: TopTier, after: { t: number; id: string } | null, limit: number): Story[] {
    const { sql, params } = topStorySql(q, tier, after);
    return this.sql.all<StoryRow>(sql, ...params, limit).map(toStory);
  }
}

/**
 * The top tier's query. `INDEXED BY stories_seen`: the candidates are the stories whose newest
 * coverage is within the horizon, read by range, then sorted by rank; left to choose, SQLite
 * may walk the rank index instead and, when the tier has fewer stories than the page, every story.
 */
export function topStorySql(q: ListQuery, tier: TopTier, after: { t: number; id: string } | null): { sql: string; params: SqlValue[] } {
  const { where, params } = storyFilterSql(q);
  where.push('s.seen >= ?', 's.outlets >= ?');
  params.push(tier.seenSince, tier.minOutlets);
  if (after) {
    where.push('(s.rank < ? OR (s.rank = ? AND s.id < ?))');
    params.push(after.t, after.t, after.id);
  }
  return { sql: `SELECT s.* FROM stories s INDEXED BY stories_seen WHERE ${where.join(' AND ')} ORDER BY s.rank DESC, s.id DESC LIMIT ?`, params };
}

/** Which stories form the top tier of sort=top: at least `minOutlets` outlets, newest coverage seen since `seenSince`. */
export interface TopTier {
  minOutlets: number;
  seenSince: string;
}

/** The story filters of a list query (any entry of the story matches; `story` names one). */
function storyFilterSql(q: ListQuery): { where: string[]; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const filter = filterSql({ ...q, story: null }, 'e');
  if (filter.where.length) {
    where.push(`s.id IN (SELECT e.story_id FROM entries e WHERE ${filter.where.join(' AND ')})`);
    params.push(...filter.params);
  }
  if (q.story) {
    where.push('s.id = ?');
    params.push(q.story);
  }
  return { where, params };
}

/** The entry filters of a list query as SQL over the entries alias `a`. */
function filterSql(q: ListQuery, a: string): { where: string[]; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (q.sources.length) {
    where.push(`${a}.source_id IN (${q.sources.map(() => '?').join(',')})`);
    params.push(...q.sources);
  }
  if (q.category) {
    where.push(`${a}.source_id IN (SELECT id FROM sources WHERE category = ?)`);
    params.push(q.category);
  }
  if (q.story) {
    where.push(`${a}.story_id = ?`);
    params.push(q.story);
  }
  if (q.since !== null) {
    where.push(`${a}.published >= ?`);
    params.push(iso(q.since));
  }
  if (q.until !== null) {
    where.push(`${a}.published < ?`);
    params.push(iso(q.until));
  }
  // A "word" without a letter or digit has no token to look for: it is left out.
  const words = q.q.filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length) {
    where.push(`${a}.n IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)`);
    params.push(ftsQuery(words));
  }
  return { where, params };
}

/**
 * `q` words as an FTS5 query: every word must appear, each as a word prefix ("grammy" finds
 * "Grammys"), each quoted so no word is read as FTS5 syntax (FTS5 §3.1: a string in double
 * quotes, with `""` for a quote inside it).
 */
export function ftsQuery(words: string[]): string {
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' AND ');
}
