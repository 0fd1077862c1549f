/**
 * Helpers for integration tests inside workerd: call the Worker's fetch and
 * scheduled handlers as the runtime would, and talk to the fixture server.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject } from 'vitest';
import worker from '../../src/index';
import { resetMemo } from '../../src/app';

export const ADMIN_TOKEN = 'test-admin-token';
export const BASE = 'http://marquee.test';

export function fixtureOrigin(): string {
  return inject('fixtureOrigin');
}

export async function call(path: string, init: RequestInit & { admin?: boolean } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.admin) headers.set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, { ...init, headers }), env as never, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export async function json<T = any>(path: string, init: RequestInit & { admin?: boolean } = {}): Promise<T> {
  const res = await call(path, init);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/** Run the cron handler at `at` and wait for it to finish. */
export async function runCron(at: Date): Promise<void> {
  const controller = createScheduledController({ scheduledTime: at.getTime(), cron: '*/15 * * * *' });
  const ctx = createExecutionContext();
  await worker.scheduled!(controller, env as never, ctx);
  await waitOnExecutionContext(ctx);
  resetMemo();
}

export async function putSources(sources: unknown[]): Promise<Response> {
  return call('/admin/sources', { method: 'PUT', admin: true, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(sources) });
}

/** Follow next_url from `path` to the end, collecting every item. */
export async function walk(path: string, key: 'items' | 'stories'): Promise<{ items: any[]; pages: number; urls: string[] }> {
  const items: any[] = [];
  const urls: string[] = [];
  let next: string | null = path;
  let pages = 0;
  while (next) {
    if (urls.includes(next)) throw new Error(`next_url repeats: ${next}`);
    urls.push(next);
    const doc: any = await json(next);
    items.push(...doc[key]);
    pages++;
    next = doc.next_url ? new URL(doc.next_url).pathname + new URL(doc.next_url).search : null;
    if (pages > 1000) throw new Error('too many pages');
  }
  return { items, pages, urls };
}

export async function fixtureLog(): Promise<Array<{ path: string; inm: string | null; ims: string | null; status: number }>> {
  return (await fetch(`${fixtureOrigin()}/__log`)).json();
}

export async function resetFixtures(): Promise<void> {
  await fetch(`${fixtureOrigin()}/__reset`, { method: 'POST' });
}

export async function setDynamicFeed(name: string, body: string, opts: { etag?: boolean; type?: string } = {}): Promise<void> {
  await fetch(`${fixtureOrigin()}/__feed/${name}${opts.etag === false ? '?etag=0' : ''}`, {
    method: 'PUT', body, headers: { 'Content-Type': opts.type ?? 'application/rss+xml' },
  });
}
