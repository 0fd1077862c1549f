/** A fresh catalog database of its own per test, inside workerd: the real object's SQLite. */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { CatalogDb } from '../../src/store/db';
import type { Catalog } from '../../src/store/object';
import { Sql } from '../../src/store/sql';

let n = 0;

/** Run `fn` inside a new, empty catalog object (its migrations applied, its default sources removed). */
export async function withDb<T>(fn: (db: CatalogDb, sql: Sql) => T): Promise<T> {
  const ns = (env as unknown as { CATALOG: DurableObjectNamespace<Catalog> }).CATALOG;
  const stub = ns.get(ns.idFromName(`store-test-${Date.now()}-${n++}`));
  return runInDurableObject(stub, (_instance, state) => {
    const sql = new Sql(state.storage.sql);
    const db = new CatalogDb(sql);
    sql.run('DELETE FROM sources');
    return fn(db, sql);
  });
}
