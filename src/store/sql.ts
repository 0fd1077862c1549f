/**
 * A thin counting wrapper around a Durable Object's `SqlStorage`: every
 * statement goes through `all`/`one`/`run`, which add the rows SQLite read
 * and wrote to `stats` (run summaries and the benchmarks report them), and
 * `inChunks` keeps IN lists under the 100-bound-parameter limit of Durable
 * Object SQLite.
 */

export type SqlValue = string | number | null;

export interface SqlStats {
  rowsRead: number;
  rowsWritten: number;
}

/** Bound parameters per statement that IN lists may use (Durable Objects allow 100 in all). */
export const IN_CHUNK = 90;

export class Sql {
  readonly stats: SqlStats = { rowsRead: 0, rowsWritten: 0 };

  constructor(private readonly storage: SqlStorage) {}

  private exec<T extends Record<string, SqlStorageValue>>(query: string, params: SqlValue[]): SqlStorageCursor<T> {
    return this.storage.exec<T>(query, ...params);
  }

  private count(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>): void {
    this.stats.rowsRead += cursor.rowsRead;
    this.stats.rowsWritten += cursor.rowsWritten;
  }

  all<T extends Record<string, SqlStorageValue>>(query: string, ...params: SqlValue[]): T[] {
    const cursor = this.exec<T>(query, params);
    const rows = cursor.toArray();
    this.count(cursor);
    return rows;
  }

  one<T extends Record<string, SqlStorageValue>>(query: string, ...params: SqlValue[]): T | null {
    return this.all<T>(query, ...params)[0] ?? null;
  }

  run(query: string, ...params: SqlValue[]): void {
    const cursor = this.exec(query, params);
    cursor.toArray();
    this.count(cursor);
  }

  /** Run `query(placeholders, chunk)` over `values` in chunks that fit the parameter limit; rows concatenated. */
  inChunks<T extends Record<string, SqlStorageValue>>(values: SqlValue[], query: (placeholders: string) => string, ...before: SqlValue[]): T[] {
    const out: T[] = [];
    for (let i = 0; i < values.length; i += IN_CHUNK) {
      const chunk = values.slice(i, i + IN_CHUNK);
      out.push(...this.all<T>(query(chunk.map(() => '?').join(',')), ...before, ...chunk));
    }
    return out;
  }
}
