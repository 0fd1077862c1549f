/**
 * Stories through the Worker, on real items from six outlets
 * (test/support/real-events.ts) committed by real cron runs: the ranking
 * (sort=top) and its stability across runs, a story gaining an outlet (same
 * id, `updated` moves in every story feed), paging of sort=top, and
 * `/stories.json?explain=1` (admin only, never cached).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { responseSchemaErrors } from '../support/schemas';
import { byId, rssOf } from '../support/real-events';
import { parseListQuery } from '../../src/query';
import { topStorySql } from '../../src/store/db';
import { callWith, cronWith, fixtureScope, inCatalog, jsonWith, putSourcesWith } from '../support/runs';

const fx = fixtureScope('stories');
const T1 = new Date('2022-04-05T22:15:00Z');
const later = (minutes: number) => new Date(T1.getTime() + minutes * 60_000);

const OUTLETS: Record<string, { title: string; items: string[] }> = {
  sky: { title: 'Sky News', items: ['d105'] },
  telegraph: { title: 'The Telegraph', items: ['d160', 'd208'] },
  guardian: { title: 'The Guardian', items: ['d203'] },
  huffpost: { title: 'HuffPost', items: ['d185'] },
  nyt: { title: 'The New York Times', items: [] },
  tnw: { title: 'The Next Web', items: ['d466'] },
};

async function publish(id: string, itemIds: string[]): Promise<void> {
  await fx.feed(id, rssOf(OUTLETS[id].title, itemIds.map(byId)));
}

/** The story a real item is in (entry ids are hashes of the guid, so by its headline). */
const storyWith = (stories: any[], itemId: string) => stories.find((s) => s.items.some((i: any) => i.title === byId(itemId).title));
const ids = (stories: any[]) => stories.map((s) => s.id);

let first: any[] = [];

beforeAll(async () => {
  await fx.reset();
  for (const [id, o] of Object.entries(OUTLETS)) await publish(id, o.items);
  const list = Object.keys(OUTLETS).map((id) => ({ id, url: fx.url(`/dyn/${id}`), category: 'news' }));
  expect((await putSourcesWith(list)).status).toBe(200);
  await cronWith(T1);
  first = (await jsonWith('/stories.json')).stories;
});

describe('ranking (sort=top)', () => {
  it('puts three outlets on one event above a newer single-outlet item', () => {
    const mcleod = storyWith(first, 'd105');
    const edit = storyWith(first, 'd466');
    expect(mcleod.outlets).toBe(3);
    expect(mcleod.sources.map((s: any) => s.id)).toEqual(['guardian', 'sky', 'telegraph']);
    expect(edit.outlets).toBe(1);
    expect(Date.parse(edit.updated)).toBeGreaterThan(Date.parse(mcleod.updated));
    expect(first.indexOf(mcleod)).toBe(0);
    expect(first.indexOf(edit)).toBeGreaterThan(first.indexOf(mcleod));
    expect(mcleod.rank.top).toBe(true);
    expect(edit.rank.top).toBe(false);
    expect(mcleod.rank.score).toBeGreaterThan(edit.rank.score);
  });

  it('orders the same way in the next runs, and sort=latest still newest first', async () => {
    await cronWith(later(15));
    await cronWith(later(30));
    expect(ids((await jsonWith('/stories.json')).stories)).toEqual(ids(first));
    const latest = (await jsonWith('/stories.json?sort=latest')).stories;
    expect(latest[0].id).toBe(storyWith(first, 'd466').id);
    const updated = latest.map((s: any) => s.updated);
    expect([...updated].sort().reverse()).toEqual(updated);
  });

  it('reads the top tier through the index on newest coverage, never by scanning every story', async () => {
    const plan = await inCatalog((db) => {
      const { sql, params } = topStorySql(parseListQuery(new URLSearchParams()), { minOutlets: 2, seenSince: '2022-04-04T22:15:00.000Z' }, null);
      return db.sql.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params, 51).map((r) => r.detail);
    });
    expect(plan.join(' | ')).toMatch(/SEARCH s USING INDEX stories_seen \(seen>\?\)/);
    expect(plan.join(' | ')).not.toMatch(/SCAN s\b/);
  });

  it('pages sort=top with next_url through every story once, in the same order', async () => {
    const all = ids((await jsonWith('/stories.json?limit=500')).stories);
    const seen: string[] = [];
    let next: string | null = '/stories.json?limit=2';
    while (next) {
      const page: any = await jsonWith(next);
      seen.push(...ids(page.stories));
      next = page.next_url ? new URL(page.next_url).pathname + new URL(page.next_url).search : null;
    }
    expect(seen).toEqual(all);
    expect(all.length).toBe(first.length);
  });
});

describe('a story that gains an outlet', () => {
  it('keeps its id, grows, and moves its updated in the story feeds', async () => {
    const musk = storyWith(first, 'd185');
    expect(musk.sources.map((s: any) => s.id)).toEqual(['huffpost', 'telegraph']);
    const atomBefore = await (await callWith('/stories.atom')).text();
    const jsonBefore: any = await jsonWith('/stories.feed.json');
    await publish('nyt', ['d388']);
    const t = later(45);
    await cronWith(t);
    const after = storyWith((await jsonWith('/stories.json')).stories, 'd388');
    expect(after.id).toBe(musk.id);
    expect(after.sources.map((s: any) => s.id)).toEqual(['huffpost', 'nyt', 'telegraph']);
    expect([after.size, after.outlets]).toEqual([3, 3]);
    expect(after.modified).toBe(t.toISOString());
    const entryUpdated = (atom: string) => new RegExp(`<id>tag:marquee,2026:story:${musk.id}</id>[\\s\\S]*?<updated>([^<]+)</updated>`).exec(atom)?.[1];
    expect(entryUpdated(atomBefore)).toBe(musk.modified);
    expect(entryUpdated(await (await callWith('/stories.atom')).text())).toBe(t.toISOString());
    const item = (doc: any) => doc.items.find((i: any) => i.id === musk.id);
    const jsonAfter: any = await jsonWith('/stories.feed.json');
    expect(responseSchemaErrors('storyfeed', jsonAfter)).toEqual([]);
    expect(item(jsonBefore).date_modified).toBe(musk.modified);
    expect(item(jsonAfter).date_modified).toBe(t.toISOString());
    expect(item(jsonAfter).date_published).toBe(item(jsonBefore).date_published);
    expect(item(jsonAfter).authors.map((a: any) => a.name)).toEqual(['HuffPost', 'The Telegraph', 'The New York Times']);
    // RSS has one date, the first report: unchanged.
    const pubDate = (rss: string) => new RegExp(`story:${musk.id}</guid>\\n<pubDate>([^<]+)</pubDate>`).exec(rss)?.[1];
    expect(pubDate(await (await callWith('/stories.xml')).text())).toBe(new Date(musk.first_published).toUTCString());
  });
});

describe('/stories.json?explain=1', () => {
  it('is admin only: 401 without or with a wrong token, 403 when admin is off, never cached', async () => {
    for (const [init, vars, status, code] of [
      [{}, {}, 401, 'UNAUTHORIZED'],
      [{ headers: { Authorization: 'Bearer wrong' } }, {}, 401, 'UNAUTHORIZED'],
      [{ admin: true }, { ADMIN_TOKEN: '' }, 403, 'ADMIN_DISABLED'],
    ] as const) {
      const res = await callWith('/stories.json?explain=1', init, vars);
      expect(res.status).toBe(status);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const body: any = await res.json();
      expect(responseSchemaErrors('error', body)).toEqual([]);
      expect(body.error.code).toBe(code);
    }
  });

  it('says why each member joined: the shared terms and the score', async () => {
    const res = await callWith('/stories.json?explain=1&limit=500', { admin: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-marquee-view')).toBeNull();
    const doc: any = await res.json();
    expect(responseSchemaErrors('stories', doc)).toEqual([]);
    const mcleod = storyWith(doc.stories, 'd105');
    const reasons = mcleod.items.map((i: any) => i.join_reason);
    // The story's first report started it; the two later ones joined on shared names.
    expect(reasons.filter((r: any) => r === null)).toHaveLength(1);
    for (const r of reasons.filter((x: any) => x)) {
      expect(r.kind).toBe('story');
      expect(r.score).toBeGreaterThan(0);
      expect(r.terms.length).toBeGreaterThan(0);
    }
    expect(reasons.flatMap((r: any) => r?.terms ?? []).join(' ').toLowerCase()).toMatch(/mcleod|bobbi/);
    // The public view says nothing of it.
    const plain: any = await jsonWith('/stories.json?limit=500');
    expect(JSON.stringify(plain)).not.toContain('join_reason');
  });
});

