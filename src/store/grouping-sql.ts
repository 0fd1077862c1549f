/**
 * The grouping and dedupe repositories (grouping-state.ts GroupRepo and
 * DedupeRepo) in the catalog object's SQLite database. Every call is keyed by
 * a batch's own terms, ids or keys, or bounded by the open story window, so
 * the work of placing a batch follows the batch, not what is stored:
 *
 *   term_df / source_docs / source_df   document frequencies, +1/-1 per document
 *   open_stories + story_terms          stories still inside the window, found by centroid term
 *   dup_records / dup_keys / dup_postings   what dedupe remembers of each retained entry, and
 *                                       its candidate keys; a key is posted at most
 *                                       POSTING_CAP times (a key that common finds no copies:
 *                                       dedupe skips it whole above DEDUPE_RULES.maxPosting),
 *                                       and counted always
 *
 * It behaves like MemoryGroupingState, with one deliberate difference: when the first entry
 * holding a URL key is removed, the next earliest one answers `byUrlKey` (the memory version
 * forgets the key).
 */
import type { DedupeRepo, DupRecord, GroupRepo, StoryRecord } from '../grouping-state';
import { IN_CHUNK, type Sql, type SqlValue } from './sql';

/** Postings kept per dedupe key; above DEDUPE_RULES.maxPosting a key is never read, so a little more is enough. */
export const POSTING_CAP = 64;

/** Pairs per multi-row upsert (two parameters each, under the 100-parameter limit). */
const PAIRS = Math.floor(IN_CHUNK / 2);

export class SqlGroupingState implements GroupRepo, DedupeRepo {
  constructor(private readonly sql: Sql) {}

  // ---- term statistics -------------------------------------------------------------------

  docCount(): number {
    return Number(this.sql.one<{ value: string }>("SELECT value FROM meta WHERE key = 'term_docs'")?.value ?? 0);
  }

  docFreq(keys: readonly number[]): number[] {
    const rows = this.sql.inChunks<{ term: number; n: number }>([...new Set(keys)], (p) => `SELECT term, n FROM term_df WHERE term IN (${p})`);
    const got = new Map(rows.map((r) => [r.term, r.n]));
    return keys.map((k) => got.get(k) ?? 0);
  }

  countDoc(keys: readonly number[], delta: 1 | -1): void {
    this.bumpAll('term_df', null, keys, delta);
    this.sql.run("INSERT INTO meta (key, value) VALUES ('term_docs', ?) ON CONFLICT(key) DO UPDATE SET value = MAX(0, CAST(value AS INTEGER) + ?)", String(Math.max(0, delta)), delta);
  }

  sourceDocCount(sourceId: string): number {
    return this.sql.one<{ n: number }>('SELECT n FROM source_docs WHERE source_id = ?', sourceId)?.n ?? 0;
  }

  sourceFreq(sourceId: string, keys: readonly number[]): number[] {
    const rows = this.sql.inChunks<{ term: number; n: number }>([...new Set(keys)], (p) => `SELECT term, n FROM source_df WHERE source_id = ? AND term IN (${p})`, sourceId);
    const got = new Map(rows.map((r) => [r.term, r.n]));
    return keys.map((k) => got.get(k) ?? 0);
  }

  countSourceDoc(sourceId: string, keys: readonly number[], delta: 1 | -1): void {
    this.bumpAll('source_df', sourceId, keys, delta);
    this.sql.run('INSERT INTO source_docs (source_id, n) VALUES (?, ?) ON CONFLICT(source_id) DO UPDATE SET n = MAX(0, n + ?)', sourceId, Math.max(0, delta), delta);
    if (delta < 0) this.sql.run('DELETE FROM source_docs WHERE source_id = ? AND n <= 0', sourceId);
  }

  /** Add `delta` to each distinct key's count (multi-row upserts); counts that reach zero go. */
  private bumpAll(table: 'term_df' | 'source_df', sourceId: string | null, keys: readonly number[], delta: 1 | -1): void {
    const distinct = [...new Set(keys)];
    const perRow = sourceId === null ? 2 : 3;
    const rows = sourceId === null ? PAIRS : Math.floor(IN_CHUNK / 3);
    for (let i = 0; i < distinct.length; i += rows) {
      const chunk = distinct.slice(i, i + rows);
      const params: SqlValue[] = [];
      for (const k of chunk) {
        if (sourceId !== null) params.push(sourceId);
        params.push(k, delta);
      }
      const tuple = `(${Array(perRow).fill('?').join(', ')})`;
      const cols = sourceId === null ? '(term, n)' : '(source_id, term, n)';
      const conflict = sourceId === null ? '(term)' : '(source_id, term)';
      this.sql.run(`INSERT INTO ${table} ${cols} VALUES ${chunk.map(() => tuple).join(', ')} ON CONFLICT${conflict} DO UPDATE SET n = n + excluded.n`, ...params);
      if (delta < 0) {
        if (sourceId === null) this.sql.run(`DELETE FROM term_df WHERE n <= 0 AND term IN (${chunk.map(() => '?').join(',')})`, ...chunk);
        else this.sql.run(`DELETE FROM source_df WHERE source_id = ? AND n <= 0 AND term IN (${chunk.map(() => '?').join(',')})`, sourceId, ...chunk);
      }
    }
  }

  // ---- open stories ------------------------------------------------------------------------

  storiesWithTerms(terms: readonly number[], since: number, limit: number, minHits: number): StoryRecord[] {
    const hits = new Map<string, { n: number; last: number }>();
    const rows = this.sql.inChunks<{ story_id: string; last: number }>(
      [...new Set(terms)],
      (p) => `SELECT t.story_id, s.last FROM story_terms t JOIN open_stories s ON s.id = t.story_id WHERE s.last >= ? AND t.term IN (${p})`,
      since,
    );
    for (const r of rows) {
      const h = hits.get(r.story_id) ?? { n: 0, last: r.last };
      h.n++;
      hits.set(r.story_id, h);
    }
    const top = [...hits].filter(([, h]) => h.n >= minHits)
      .sort(([a, x], [b, y]) => y.n - x.n || y.last - x.last || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit).map(([id]) => id);
    const records = new Map(this.sql.inChunks<{ id: string; record: string }>(top, (p) => `SELECT id, record FROM open_stories WHERE id IN (${p})`)
      .map((r) => [r.id, JSON.parse(r.record) as StoryRecord]));
    return top.map((id) => records.get(id)!);
  }

  putStory(s: StoryRecord): void {
    const old = this.sql.one<{ record: string }>('SELECT record FROM open_stories WHERE id = ?', s.id);
    const before = new Set(old ? (JSON.parse(old.record) as StoryRecord).terms.map(([t]) => t) : []);
    const after = new Set(s.terms.map(([t]) => t));
    const gone = [...before].filter((t) => !after.has(t));
    const added = [...after].filter((t) => !before.has(t));
    this.sql.inChunks(gone, (p) => `DELETE FROM story_terms WHERE story_id = ? AND term IN (${p})`, s.id);
    for (let i = 0; i < added.length; i += PAIRS) {
      const chunk = added.slice(i, i + PAIRS);
      this.sql.run(`INSERT OR IGNORE INTO story_terms (term, story_id) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`, ...chunk.flatMap((t) => [t, s.id]));
    }
    this.sql.run('INSERT INTO open_stories (id, last, record) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET last = excluded.last, record = excluded.record', s.id, s.last, JSON.stringify(s));
  }

  deleteStory(id: string): void {
    this.dropStoryTerms(id);
    this.sql.run('DELETE FROM open_stories WHERE id = ?', id);
  }

  /** Delete a story's term rows, found from its own record (the terms table is keyed by term first). */
  private dropStoryTerms(id: string): void {
    const old = this.sql.one<{ record: string }>('SELECT record FROM open_stories WHERE id = ?', id);
    if (!old) return;
    const terms = (JSON.parse(old.record) as StoryRecord).terms.map(([t]) => t);
    this.sql.inChunks(terms, (p) => `DELETE FROM story_terms WHERE story_id = ? AND term IN (${p})`, id);
  }

  closeStories(before: number): void {
    for (const r of this.sql.all<{ id: string }>('SELECT id FROM open_stories WHERE last < ?', before)) {
      this.dropStoryTerms(r.id);
      this.sql.run('DELETE FROM open_stories WHERE id = ?', r.id);
    }
  }

  // ---- dedupe records ------------------------------------------------------------------------

  byUrlKey(key: string): DupRecord | null {
    const r = this.sql.one<{ record: string }>('SELECT record FROM dup_records WHERE url_key = ? ORDER BY seq LIMIT 1', key);
    return r ? (JSON.parse(r.record) as DupRecord) : null;
  }

  get(id: string): DupRecord | null {
    const r = this.sql.one<{ record: string }>('SELECT record FROM dup_records WHERE id = ?', id);
    return r ? (JSON.parse(r.record) as DupRecord) : null;
  }

  withKeys(keys: readonly number[], maxPerKey: number): Array<[number, DupRecord]> {
    const counts = new Map(this.sql.inChunks<{ key: number; n: number }>([...new Set(keys)], (p) => `SELECT key, n FROM dup_keys WHERE key IN (${p})`).map((r) => [r.key, r.n]));
    const usable = [...new Set(keys)].filter((k) => (counts.get(k) ?? 0) > 0 && counts.get(k)! <= maxPerKey);
    const postings = this.sql.inChunks<{ key: number; seq: number; id: string }>(usable, (p) => `SELECT key, seq, id FROM dup_postings WHERE key IN (${p}) ORDER BY key, seq`);
    const ids = [...new Set(postings.map((r) => r.id))];
    const records = new Map(this.sql.inChunks<{ id: string; record: string }>(ids, (p) => `SELECT id, record FROM dup_records WHERE id IN (${p})`)
      .map((r) => [r.id, JSON.parse(r.record) as DupRecord]));
    const byKey = new Map<number, DupRecord[]>();
    for (const r of postings) byKey.set(r.key, [...(byKey.get(r.key) ?? []), records.get(r.id)!]);
    const out: Array<[number, DupRecord]> = [];
    keys.forEach((k, i) => {
      for (const r of byKey.get(k) ?? []) out.push([i, r]);
    });
    return out;
  }

  put(r: DupRecord, keys: readonly number[]): void {
    this.remove(r.id);
    const distinct = [...new Set(keys)];
    this.sql.run('INSERT INTO dup_records (id, url_key, record, keys) VALUES (?, ?, ?, ?)', r.id, r.urlKey, JSON.stringify(r), JSON.stringify(distinct));
    const seq = this.sql.one<{ seq: number }>('SELECT seq FROM dup_records WHERE id = ?', r.id)!.seq;
    this.bumpKeys(distinct, 1);
    const counts = new Map(this.sql.inChunks<{ key: number; n: number }>(distinct, (p) => `SELECT key, n FROM dup_keys WHERE key IN (${p})`).map((x) => [x.key, x.n]));
    const post = distinct.filter((k) => (counts.get(k) ?? 0) <= POSTING_CAP);
    for (let i = 0; i < post.length; i += Math.floor(IN_CHUNK / 3)) {
      const chunk = post.slice(i, i + Math.floor(IN_CHUNK / 3));
      this.sql.run(`INSERT OR IGNORE INTO dup_postings (key, seq, id) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}`, ...chunk.flatMap((k) => [k, seq, r.id]));
    }
  }

  remove(id: string): void {
    const r = this.sql.one<{ seq: number; keys: string }>('SELECT seq, keys FROM dup_records WHERE id = ?', id);
    if (!r) return;
    const keys = JSON.parse(r.keys) as number[];
    this.sql.inChunks(keys, (p) => `DELETE FROM dup_postings WHERE seq = ? AND key IN (${p})`, r.seq);
    this.bumpKeys(keys, -1);
    this.sql.run('DELETE FROM dup_records WHERE seq = ?', r.seq);
  }

  private bumpKeys(keys: number[], delta: 1 | -1): void {
    for (let i = 0; i < keys.length; i += PAIRS) {
      const chunk = keys.slice(i, i + PAIRS);
      this.sql.run(`INSERT INTO dup_keys (key, n) VALUES ${chunk.map(() => '(?, ?)').join(', ')} ON CONFLICT(key) DO UPDATE SET n = n + excluded.n`, ...chunk.flatMap((k) => [k, delta]));
      if (delta < 0) this.sql.run(`DELETE FROM dup_keys WHERE n <= 0 AND key IN (${chunk.map(() => '?').join(',')})`, ...chunk);
    }
  }
}
