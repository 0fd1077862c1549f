/**
 * Upgrade in place: a namespace holding what the v1 code wrote (test/fixtures/v1/kv.json, made
 * by scripts/make-v1-fixture.sh running the v1 code itself) is imported by the catalog object
 * the first time it starts, and nothing a reader or the poller relies on is lost: the same
 * entry ids, story ids and duplicate links, the HTML, the source list, each source's
 * validators, and the last run.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SourceState, StoredEntry } from '../../src/model';
import v1 from '../fixtures/v1/kv.json';
import { catalog, cronWith, jsonWith, savedState, storedEntries } from '../support/runs';
import { fixtureOrigin, resetFixtures } from '../support/worker';

type V1Entry = StoredEntry & { bodyKey: string | null };
interface Dump {
  'sources:v1': { updatedAt: string; sources: Array<{ id: string; url: string }> };
  'catalog:v1': { rev: number; updatedAt: string; entries: V1Entry[] };
  'health:v1': { sources: Record<string, SourceState>; lastRun: { startedAt: string } };
  [key: string]: unknown;
}

const kv = () => (env as unknown as { MARQUEE_KV: KVNamespace }).MARQUEE_KV;
let dump: Dump;

describe('a v1 deployment upgraded in place', () => {
  beforeAll(async () => {
    await resetFixtures();
    dump = JSON.parse(JSON.stringify(v1).split('http://__FIXTURE_ORIGIN__').join(fixtureOrigin())) as Dump;
    for (const [key, value] of Object.entries(dump)) await kv().put(key, JSON.stringify(value));
  });

  it('keeps the source list, and every entry with its id, story, duplicate link and dates', async () => {
    const list = await catalog().sourceList();
    expect(list.sources.map((s) => [s.id, s.url])).toEqual(dump['sources:v1'].sources.map((s) => [s.id, s.url]));
    expect(list.updatedAt).toBe(dump['sources:v1'].updatedAt);
    const before = dump['catalog:v1'].entries;
    const after = new Map((await storedEntries()).map((e) => [e.id, e]));
    expect(after.size).toBe(before.length);
    for (const { bodyKey: _k, ...e } of before) expect(after.get(e.id), e.id).toEqual({ ...e, ...onlyDefined(after.get(e.id)!) });
    expect(before.filter((e) => e.dupOf).length).toBeGreaterThan(0);
  });

  it('serves the same stories and the same HTML', async () => {
    const before = dump['catalog:v1'].entries;
    const stories: any = await jsonWith('/stories.json?limit=500');
    expect(new Set(stories.stories.map((s: any) => s.id))).toEqual(new Set(before.filter((e) => !e.dupOf).map((e) => e.storyId)));
    const bodies = (dump[before.find((e) => e.bodyKey)!.bodyKey!] as { bodies: Record<string, [string, string]> }).bodies;
    const feed: any = await jsonWith('/feed.json?limit=500&dedupe=false');
    let compared = 0;
    for (const item of feed.items) {
      const b = bodies[item.id];
      if (!b || !b[1]) continue;
      expect(item.content_html, item.id).toContain(b[1].slice(0, 200));
      compared++;
    }
    // Every entry v1 kept full content for was compared.
    expect(compared).toBe(Object.values(bodies).filter((b) => b[1]).length);
    expect(compared).toBeGreaterThan(5);
  });

  it('keeps every source\'s validators, so the next run is conditional and brings nothing new', async () => {
    for (const [id, st] of Object.entries(dump['health:v1'].sources)) {
      const now = (await savedState(id))!;
      expect([now.etag, now.lastModified, now.bodyHash], id).toEqual([st.etag, st.lastModified, st.bodyHash]);
    }
    await cronWith(new Date('2026-11-26T09:00:00Z'));
    const run: any = (await jsonWith('/admin/runs?limit=2', { admin: true })).runs;
    expect(run[0].newEntries).toBe(0);
    expect(run[0].notModified + run[0].unchangedBody).toBe(run[0].sourcesFetched);
    expect(run[0].sourcesFetched).toBeGreaterThan(0);
    // The v1 run summary is kept in the history, marked as imported.
    expect(run[1].startedAt).toBe(dump['health:v1'].lastRun.startedAt);
    expect(run[1].imported).toBe('v1');
  });

  it('leaves the v1 keys in place (a rollback finds them), and writes only its own views record', async () => {
    const keys = (await kv().list()).keys.map((k) => k.name).sort();
    expect(keys).toEqual([...Object.keys(dump), 'views:v2'].sort());
  });
});

/** The fields of a stored entry that v1 did not have, when present. */
function onlyDefined(e: StoredEntry): Partial<StoredEntry> {
  const out: Partial<StoredEntry> = {};
  if (e.joinReason !== undefined) out.joinReason = e.joinReason;
  if (e.enclosures !== undefined) out.enclosures = e.enclosures;
  return out;
}
