/**
 * Every JSON response of the public endpoints, fetched over HTTP from
 * `wrangler dev`, validates against its schema in schemas/: /feed.json
 * (jsonfeed.schema.json + marquee-extension.schema.json) and /stories.json
 * (stories.schema.json) for every filter combination and every page, and the
 * error bodies (error.schema.json) of invalid queries and wrong methods.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { responseSchemaErrors, schemaForResponse } from '../support/schemas';
import { allPages, filterQueries, origin } from './queries';

interface Checked {
  path: string;
  status: number;
  type: string | null;
  errors: string[];
}

async function check(path: string, init?: RequestInit): Promise<Checked> {
  const res = await fetch(`${origin()}${path}`, init);
  const body = await res.json();
  return { path, status: res.status, type: res.headers.get('content-type'), errors: responseSchemaErrors(schemaForResponse(path, res.status), body) };
}

let lists: Checked[] = [];

beforeAll(async () => {
  const paths = new Set<string>();
  for (const query of await filterQueries()) {
    for (const q of [query, `${query ? `${query}&` : ''}limit=4`]) {
      for (const [base, key] of [['/feed.json', 'items'], ['/stories.json', 'stories'], ['/stories.feed.json', 'items']] as const) {
        const { paths: pages } = await allPages(q ? `${base}?${q}` : base, key);
        for (const p of pages) paths.add(p);
      }
    }
  }
  lists = await Promise.all([...paths].map((p) => check(p)));
}, 180_000);

describe('JSON responses validate against schemas/', () => {
  it('every page of /feed.json, /stories.json and /stories.feed.json for every filter combination', () => {
    expect(lists.filter((c) => c.path.startsWith('/feed.json')).length).toBeGreaterThan(40);
    expect(lists.filter((c) => c.path.startsWith('/stories.json')).length).toBeGreaterThan(40);
    expect(lists.filter((c) => c.path.startsWith('/stories.feed.json')).length).toBeGreaterThan(40);
    for (const c of lists) {
      expect(c.status, c.path).toBe(200);
      expect(c.type, c.path).toBe(c.path.startsWith('/stories.json') ? 'application/json; charset=utf-8' : 'application/feed+json; charset=utf-8');
      expect(c.errors, c.path).toEqual([]);
    }
  });

  it('error bodies of invalid queries and wrong methods', async () => {
    const bad = ['limit=0', 'since=yesterday', 'until=2026-02-30T00:00:00Z', 'dedupe=perhaps', 'cursor=%25', 'source=b%40d', `q=${'x'.repeat(300)}`, 'story=%3C%3E'];
    const checks = await Promise.all(bad.flatMap((q) => ['/feed.json', '/stories.json', '/feed.xml', '/feed.atom'].map((p) => check(`${p}?${q}`))));
    checks.push(await check('/feed.json', { method: 'POST', body: '{}' }));
    for (const c of checks) {
      expect([400, 405], c.path).toContain(c.status);
      expect(c.type).toBe('application/json; charset=utf-8');
      expect(c.errors, c.path).toEqual([]);
    }
  });

  it('the schema rejects what it should (it is not vacuous)', async () => {
    const doc: any = await (await fetch(`${origin()}/feed.json`)).json();
    const broken = structuredClone(doc);
    broken.items[0].date_published = 'last Tuesday';
    delete broken.items[1]._marquee.about;
    broken.items[2].url = '/relative/path';
    broken.version = 'https://jsonfeed.org/version/1';
    const errors = responseSchemaErrors('jsonfeed', broken).join('\n');
    expect(errors).toMatch(/\/items\/0\/date_published/);
    expect(errors).toMatch(/\/items\/1\/_marquee/);
    expect(errors).toMatch(/\/items\/2\/url/);
    expect(errors).toMatch(/\/version/);
  });
});

const realOrigin = inject('realOrigin');

describe.skipIf(!realOrigin)('JSON Feed 1.1 with attachments: every page of the real-feed set validates', () => {
  it('/feed.json, all pages, podcast attachments included', async () => {
    let next: string | null = `${realOrigin}/feed.json?dedupe=false&limit=200`;
    let pages = 0;
    let attachments = 0;
    while (next) {
      const doc: any = await (await fetch(next)).json();
      expect(responseSchemaErrors('jsonfeed', doc), next).toEqual([]);
      for (const item of doc.items) attachments += item.attachments?.length ?? 0;
      pages++;
      next = doc.next_url ?? null;
    }
    expect(pages).toBeGreaterThan(3);
    // Off Menu's 207 episodes alone carry one audio file each.
    expect(attachments).toBeGreaterThanOrEqual(207);
  });
});
