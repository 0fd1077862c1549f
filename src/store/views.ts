/**
 * What the edge reads from Workers KV: the pre-rendered default views, one
 * record under `views:v2`, written by the catalog object (object.ts) after a
 * revision it has not published yet, and read by every request for a default
 * view (serve.ts) without calling the object. KV holds nothing else that
 * Marquee writes; the system of record is the object's SQLite database.
 */

export const VIEWS_KEY = 'views:v2';

export interface ViewsRecord {
  schema: 2;
  /** Catalog revision and its time (object.ts meta `rev`/`updated_at`): the stored version. */
  rev: number;
  builtAt: string;
  /** RFC 7231 date of the newest change, for Last-Modified. */
  lastModified: string;
  /** render/index.ts RENDER_VERSION of the code that wrote `formats`; other versions are not served. */
  renderVersion: number;
  /** Pre-rendered bodies; absolute URLs start with BASE_PLACEHOLDER. */
  formats: Record<string, string>;
}

/** Stand-in for the public origin in pre-rendered views, replaced per request origin. */
export const BASE_PLACEHOLDER = 'https://marquee.invalid';

export async function readViews(kv: KVNamespace): Promise<ViewsRecord | null> {
  const v = await kv.get<ViewsRecord>(VIEWS_KEY, 'json');
  return v && v.schema === 2 ? v : null;
}

/** Write the views record; returns the bytes written (UTF-16 code units, close enough for budgets). */
export async function writeViews(kv: KVNamespace, rec: ViewsRecord): Promise<number> {
  const body = JSON.stringify(rec);
  await kv.put(VIEWS_KEY, body);
  return body.length;
}
