/**
 * Helpers for the fetch/politeness/fairness suites inside workerd: run the
 * Worker's own handlers with extra config bindings (short timeouts, small
 * budgets), talk to a scope of the fixture server of one's own, and read what
 * a run recorded.
 */
import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { resetMemo } from '../../src/app';
import worker from '../../src/index';
import type { RunSummary, SourceState, StoredEntry } from '../../src/model';
import type { CatalogDb } from '../../src/store/db';
import { catalogOf, type Catalog } from '../../src/store/object';
import type { LoggedRequest } from './fixture-server';
import { ADMIN_TOKEN, BASE, fixtureOrigin } from './worker';

export type Bindings = Record<string, string | undefined>;

export const kv = () => (env as unknown as { MARQUEE_KV: KVNamespace }).MARQUEE_KV;

/** The test environment with some variables replaced, as `wrangler.toml [vars]` would set them. */
export function envWith(vars: Bindings = {}, extra: Record<string, unknown> = {}): never {
  return { ...(env as object), ...vars, ...extra } as never;
}

/** Run the Worker's `scheduled` handler at `at` with these bindings, and wait for it. */
export async function cronWith(at: Date, vars: Bindings = {}, extra: Record<string, unknown> = {}): Promise<void> {
  const controller = createScheduledController({ scheduledTime: at.getTime(), cron: '*/15 * * * *' });
  const ctx = createExecutionContext();
  await worker.scheduled!(controller, envWith(vars, extra), ctx);
  await waitOnExecutionContext(ctx);
  resetMemo();
}

/** Call the Worker's `fetch` handler with these bindings. */
export async function callWith(path: string, init: RequestInit & { admin?: boolean } = {}, vars: Bindings = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.admin) headers.set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, { ...init, headers }), envWith(vars), ctx);
  await waitOnExecutionContext(ctx);
  resetMemo();
  return res;
}

export async function jsonWith<T = any>(path: string, init: RequestInit & { admin?: boolean } = {}, vars: Bindings = {}): Promise<T> {
  const res = await callWith(path, init, vars);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

export async function putSourcesWith(sources: unknown[], vars: Bindings = {}): Promise<Response> {
  return callWith('/admin/sources', { method: 'PUT', admin: true, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(sources) }, vars);
}

export const catalog = () => catalogOf(env as never);

export async function lastRun(): Promise<RunSummary> {
  const [run] = await catalog().runs({ limit: 1, before: null });
  if (!run) throw new Error('no run recorded yet');
  return run.summary;
}

/** Read the catalog object's database directly (its private repository), for assertions. */
export async function inCatalog<T>(fn: (db: CatalogDb) => T): Promise<T> {
  const ns = (env as unknown as { CATALOG: DurableObjectNamespace<Catalog> }).CATALOG;
  return runInDurableObject(ns.get(ns.idFromName('main')), (instance) => fn((instance as unknown as { db: CatalogDb }).db));
}

/** Every stored entry, copies included, oldest first. */
export function storedEntries(): Promise<StoredEntry[]> {
  return inCatalog((db) => db.allEntries());
}

/** A source's saved polling state. */
export function savedState(id: string): Promise<SourceState | null> {
  return inCatalog((db) => db.state(id));
}

/** Every key and value in the namespace, to prove a run wrote nothing. */
export async function kvSnapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown, string> = await kv().list(cursor ? { cursor } : {});
    for (const k of page.keys) out.set(k.name, (await kv().get(k.name)) ?? '');
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}

/** A KV namespace that forwards to the real one and counts what is done through it. */
export function countingKv(inner: KVNamespace): { kv: KVNamespace; counts: { get: number; put: number; delete: number; list: number } } {
  const counts = { get: 0, put: 0, delete: 0, list: 0 };
  const kv = new Proxy(inner, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (prop in counts) counts[prop as keyof typeof counts]++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { kv, counts };
}

/** A scope of the fixture server of one's own: its own feeds, log and fault mode. */
export function fixtureScope(name: string) {
  const origin = fixtureOrigin();
  const control = (p: string, init?: RequestInit) => fetch(`${origin}/__s/${name}${p}`, init);
  return {
    /** URL of a route in this scope on the main listener. */
    url: (path: string) => `${origin}/s/${name}${path}`,
    async reset() {
      await control('/reset', { method: 'POST' });
    },
    async faults(on: boolean) {
      await control(`/faults?on=${on ? 1 : 0}`, { method: 'POST' });
    },
    /** Set the body of this scope's /dyn/<name>. */
    async feed(name: string, body: string) {
      await control(`/feed/${name}`, { method: 'PUT', body, headers: { 'Content-Type': 'application/rss+xml' } });
    },
    async bump(feed: string, by = 1) {
      await control(`/gen/${feed}?bump=${by}`, { method: 'POST' });
    },
    async log(): Promise<LoggedRequest[]> {
      return (await control('/log')).json();
    },
    /** What this scope's listening WebSub hub (POST /hub) received. */
    async hub(): Promise<Array<{ mode: string; fields: Record<string, string[]>; at: number }>> {
      return (await control('/hub')).json();
    },
    async stats(): Promise<{ hugeBytes: Record<string, number>; maxOpen: number }> {
      return (await control('/stats')).json();
    },
    /** The second listener (same routes, own port), optionally opened or closed first. */
    async side(up?: boolean): Promise<{ origin: string; up: boolean }> {
      const res = await fetch(`${origin}/__side${up === undefined ? '' : `?up=${up ? 1 : 0}`}`, { method: up === undefined ? 'GET' : 'POST' });
      return res.json();
    },
  };
}

export const PERIOD_MS = 15 * 60_000;
export const at = (t0: Date, runs: number) => new Date(t0.getTime() + runs * PERIOD_MS);
