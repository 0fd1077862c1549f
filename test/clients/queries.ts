/**
 * The filter combinations every client suite reads, and small helpers to fetch
 * what Marquee serves for them. The same query string goes on every format.
 */
import { inject } from 'vitest';

export const origin = () => inject('marqueeOrigin');

export async function getJson<T = any>(path: string): Promise<T> {
  const res = await fetch(`${origin()}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Query strings (without `?`) covering each parameter alone and in combination. */
export async function filterQueries(): Promise<string[]> {
  const stories = (await getJson('/stories.json?limit=500')).stories as any[];
  const merged = stories.find((s) => s.items.some((i: any) => i.duplicates.length));
  if (!merged) throw new Error('fixture data has no story with a merged copy');
  return [
    '',
    'limit=5',
    'source=nyt',
    'source=nyt&source=guardian',
    'source=verge,inessential',
    'category=news',
    'category=tech&q=json',
    'q=ukraine',
    `story=${merged.id}`,
    'since=2022-04-05T00:00:00Z',
    'since=2022-04-05T00:00:00Z&until=2022-04-06T00:00:00Z',
    'dedupe=false',
    'dedupe=false&category=news&limit=500',
    'utm_source=newsletter&ref=x',
    'source=no-such-source',
  ];
}

/** `/feed.json?...` for a query and format. */
export function feedPath(fmt: 'json' | 'rss' | 'atom', query: string): string {
  const path = { json: '/feed.json', rss: '/feed.xml', atom: '/feed.atom' }[fmt];
  return query ? `${path}?${query}` : path;
}

/** Every page of a JSON list from `path`, following next_url. */
export async function allPages(path: string, key: 'items' | 'stories'): Promise<{ docs: any[]; paths: string[] }> {
  const docs: any[] = [];
  const paths: string[] = [];
  let next: string | null = path;
  while (next) {
    if (paths.includes(next)) throw new Error(`next_url repeats: ${next}`);
    paths.push(next);
    const doc: any = await getJson(next);
    docs.push(doc);
    next = doc.next_url ? new URL(doc.next_url).pathname + new URL(doc.next_url).search : null;
    if (!doc[key]) throw new Error(`${next}: no ${key}`);
  }
  return { docs, paths };
}
