/**
 * The SQLite schema of the catalog object (see object.ts), and its
 * migrations. Each migration is applied once, in order, inside the object's
 * constructor before any request is served; `meta.schema_version` records how
 * far a database has come. Add a migration; never edit one that shipped.
 *
 * Tables:
 *   meta        key/value: schema version, catalog revision, what was published to KV, the
 *               published feeds' hashes, the WebSub publish pings still to send, the number of
 *               stories and of entries (kept by triggers)
 *   sources     the configured source list, each with its polling state (JSON) and entry count
 *   entries     one row per retained entry: the columns queries filter and sort on, the rest of
 *               the record as JSON (`doc`), and its sanitized HTML
 *   entries_fts FTS5 index over title and summary, kept in step by triggers (`q=`)
 *   tombstones  (source, item) pairs retention removed, so a feed that still lists them does not
 *               bring them back as new
 *   stories     one row per story: its members (primaries, newest first), outlets, times, lead,
 *               ranking key (rank.ts) and when its coverage last grew
 *   runs        the last run summaries, newest last (GET /admin/runs)
 *   websub      WebSub subscriptions to sources' hubs, by callback token (websub-state.ts)
 *   term_df, source_docs, source_df, open_stories, story_terms, dup_records, dup_keys,
 *   dup_postings  the grouping and dedupe state (grouping-sql.ts, grouping-state.ts)
 *
 * Every bound on a value lives in the module that writes it; SQLite's own limits that matter
 * here (Durable Objects: 2 MB per row, 100 bound parameters per statement) are respected by the
 * ingest caps (normalize) and by chunking IN lists (db.ts).
 */

/** SQL that counts `table`'s rows into meta[`key`] and keeps the count by triggers. */
function rowCounter(table: string, key: string): string {
  return `
  INSERT OR REPLACE INTO meta (key, value) SELECT '${key}', COUNT(*) FROM ${table};
  CREATE TRIGGER ${table}_count_insert AFTER INSERT ON ${table} BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '${key}';
  END;
  CREATE TRIGGER ${table}_count_delete AFTER DELETE ON ${table} BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) - 1 WHERE key = '${key}';
  END;`;
}

export const MIGRATIONS: string[] = [
  `
  CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    pos INTEGER NOT NULL,
    url TEXT NOT NULL,
    title TEXT,
    home_page_url TEXT,
    category TEXT,
    state TEXT,
    state_saved_at TEXT,
    entry_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE entries (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source_id TEXT NOT NULL,
    item_key TEXT NOT NULL,
    published TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    story_id TEXT NOT NULL,
    dup_of TEXT,
    url_key TEXT,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    summary_text TEXT NOT NULL,
    doc TEXT NOT NULL,
    summary_html TEXT NOT NULL DEFAULT '',
    content_html TEXT NOT NULL DEFAULT ''
  );
  CREATE UNIQUE INDEX entries_item ON entries(source_id, item_key);
  CREATE INDEX entries_published ON entries(published, id);
  CREATE INDEX entries_source_published ON entries(source_id, published, id);
  CREATE INDEX entries_story ON entries(story_id, published);
  CREATE INDEX entries_first_seen ON entries(first_seen);
  CREATE INDEX entries_source_first_seen ON entries(source_id, first_seen);
  CREATE INDEX entries_dup_of ON entries(dup_of) WHERE dup_of IS NOT NULL;
  CREATE VIRTUAL TABLE entries_fts USING fts5(title, summary_text, content='entries', content_rowid='n', tokenize='unicode61 remove_diacritics 2');
  CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts(rowid, title, summary_text) VALUES (new.n, new.title, new.summary_text);
  END;
  CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, title, summary_text) VALUES ('delete', old.n, old.title, old.summary_text);
  END;
  CREATE TRIGGER entries_fts_update AFTER UPDATE OF title, summary_text ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, title, summary_text) VALUES ('delete', old.n, old.title, old.summary_text);
    INSERT INTO entries_fts(rowid, title, summary_text) VALUES (new.n, new.title, new.summary_text);
  END;
  CREATE TABLE tombstones (source_id TEXT NOT NULL, item_key TEXT NOT NULL, deleted_at TEXT NOT NULL, PRIMARY KEY (source_id, item_key));
  CREATE INDEX tombstones_deleted_at ON tombstones(deleted_at);
  CREATE TABLE stories (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    size INTEGER NOT NULL,
    source_ids TEXT NOT NULL,
    entry_ids TEXT NOT NULL,
    lead_id TEXT NOT NULL,
    first TEXT NOT NULL,
    updated TEXT NOT NULL
  );
  CREATE INDEX stories_updated ON stories(updated, id);
  CREATE TABLE blobs (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE runs (n INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, summary TEXT NOT NULL);
  `,
  // 2: grouping and dedupe state as rows (grouping-sql.ts), looked up per batch instead of one blob.
  `
  CREATE TABLE term_df (term INTEGER PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE source_docs (source_id TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE source_df (source_id TEXT NOT NULL, term INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (source_id, term)) WITHOUT ROWID;
  CREATE TABLE open_stories (id TEXT PRIMARY KEY, last INTEGER NOT NULL, record TEXT NOT NULL);
  CREATE INDEX open_stories_last ON open_stories(last);
  CREATE TABLE story_terms (term INTEGER NOT NULL, story_id TEXT NOT NULL, PRIMARY KEY (term, story_id)) WITHOUT ROWID;
  CREATE TABLE dup_records (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, url_key TEXT, record TEXT NOT NULL, keys TEXT NOT NULL);
  CREATE INDEX dup_records_url ON dup_records(url_key, seq) WHERE url_key IS NOT NULL;
  CREATE TABLE dup_keys (key INTEGER PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE dup_postings (key INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (key, seq)) WITHOUT ROWID;
  DROP TABLE blobs;
  `,
  // 3: ranking (rank.ts). Outlets and the first-seen time of the newest coverage are filled in
  // here; `rank` needs a logarithm, which SQLite may lack, so the object fills the NULLs in on
  // start (object.ts backfillRanks), with momentum 1 until the story next changes.
  `
  ALTER TABLE stories ADD COLUMN outlets INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE stories ADD COLUMN momentum INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE stories ADD COLUMN rank INTEGER;
  ALTER TABLE stories ADD COLUMN seen TEXT NOT NULL DEFAULT '';
  ALTER TABLE stories ADD COLUMN grown_at TEXT;
  UPDATE stories SET outlets = json_array_length(source_ids),
    seen = COALESCE((SELECT MAX(e.first_seen) FROM entries e WHERE e.story_id = stories.id AND e.dup_of IS NULL), updated);
  CREATE INDEX stories_rank ON stories(rank, id);
  CREATE INDEX stories_seen ON stories(seen);
  `,
  // 4: WebSub subscriptions to sources' hubs (websub-state.ts), one row per callback token. A row
  // outlives its source until the hub confirms the unsubscription.
  `
  CREATE TABLE websub (token TEXT PRIMARY KEY, source_id TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX websub_source ON websub(source_id);
  `,
  // 5: the numbers of stories and entries, kept by triggers: every commit reads them, and
  // COUNT(*) reads every row; the largest sources by an index (retention asks every commit).
  `
  ${rowCounter('stories', 'story_count')}
  ${rowCounter('entries', 'entry_count')}
  CREATE INDEX sources_entry_count ON sources(entry_count, id);
  `,
];

/** Bring a database up to the latest schema (`meta` itself comes first). Returns the version it is at. */
export function migrate(sql: SqlStorage): number {
  sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
  let version = row ? Number(row.value) : 0;
  for (; version < MIGRATIONS.length; version++) {
    sql.exec(MIGRATIONS[version]);
    sql.exec("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", String(version + 1));
  }
  return version;
}
