/**
 * Retention in the catalog object, inside workerd: entries age out by
 * first-seen time, no source can push another's entries out (the largest
 * source gives way first), removed items do not come back while their feed
 * still lists them, and the work is spread over commits in bounded batches.
 */
import { describe, expect, it } from 'vitest';
import { evictionShares } from '../../src/commit';
import { at, cronWith, fixtureScope, inCatalog, jsonWith, lastRun, putSourcesWith, storedEntries } from '../support/runs';

const T0 = new Date('2026-11-29T08:00:00Z');

async function countBySource(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const e of await storedEntries()) out.set(e.sourceId, (out.get(e.sourceId) ?? 0) + 1);
  return out;
}

describe('a flooding source', () => {
  const fx = fixtureScope('flood');
  const VARS = { RETENTION_MAX_ENTRIES: '3000', MAX_BODY_BYTES: String(8 * 1024 * 1024) };

  it('serving 10,000 items next to one serving 50 never pushes the 50 out', async () => {
    await fx.reset();
    const list = [{ id: 'flood', url: fx.url('/gen/flood?items=10000') }, { id: 'small', url: fx.url('/gen/small?items=50') }];
    expect((await putSourcesWith(list, VARS)).status).toBe(200);
    await cronWith(T0, VARS);
    expect((await countBySource()).get('small')).toBe(50);
    // The backlog above the cap is worked off in bounded batches by the next commits.
    for (let r = 1; r <= 5; r++) {
      await fx.bump('small');
      await cronWith(at(T0, r * 100), VARS);
      const counts = await countBySource();
      expect(counts.get('small'), `run ${r}`).toBe(50 + r);
    }
    const counts = await countBySource();
    expect(counts.get('flood')! + counts.get('small')!).toBeLessThanOrEqual(3000);
    expect(counts.get('flood')).toBe(3000 - counts.get('small')!);
    // What was trimmed stays trimmed while the feed still lists it: nothing comes back as new.
    await fx.bump('flood');
    await cronWith(at(T0, 700), VARS);
    const run = await lastRun();
    expect(run.newEntries).toBe(1);
    const admin: any = await jsonWith('/admin/sources', { admin: true }, VARS);
    const small = admin.sources.find((s: any) => s.id === 'small');
    expect(small.entries_stored).toBe(55);
  }, 120_000);
});

describe('age', () => {
  const fx = fixtureScope('age');
  it('entries first seen more than RETENTION_DAYS ago go, whatever their published date', async () => {
    await fx.reset();
    const VARS = { RETENTION_DAYS: '2' };
    expect((await putSourcesWith([{ id: 'aging', url: fx.url('/gen/aging?items=5') }], VARS)).status).toBe(200);
    await cronWith(T0, VARS);
    expect((await countBySource()).get('aging')).toBe(5);
    await fx.bump('aging', 2);
    await cronWith(new Date(T0.getTime() + 36 * 3_600_000), VARS);
    expect((await countBySource()).get('aging')).toBe(7);
    await fx.bump('aging', 1);
    await cronWith(new Date(T0.getTime() + 49 * 3_600_000), VARS);
    // The first five were first seen 49 hours ago; the two from 36 hours ago and the new one stay.
    expect((await countBySource()).get('aging')).toBe(3);
    // The run reports the entries and stories left, as the catalog's triggers keep them: they
    // agree with a count of the rows.
    const [entries, stories] = await inCatalog((db) => ['entries', 'stories'].map((t) => db.sql.one<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`)!.n));
    expect((await lastRun()).entriesStored).toBe(entries);
    expect((await lastRun()).stories).toBe(stories);
    expect(stories).toBeGreaterThan(0);
  });
});

describe('evictionShares', () => {
  it('levels the largest sources down first and leaves small ones alone', () => {
    const counts = new Map([['big', 1000], ['mid', 300], ['small', 50]]);
    const shares = evictionShares(counts, [], 1000, 10_000);
    expect(shares.get('small')).toBeUndefined();
    expect([...shares.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(350);
    expect(shares.get('big')).toBeGreaterThanOrEqual(350);
    expect(shares.get('mid')).toBeUndefined();
  });

  it('cuts two large sources to the same level once the largest is down to the next one', () => {
    const shares = evictionShares(new Map([['a', 500], ['b', 400], ['c', 10]]), [], 610, 10_000);
    // 910 - 610 = 300 to free: a goes to 400 (100), then both to 300 (100 each).
    expect(shares.get('a')).toBe(200);
    expect(shares.get('b')).toBe(100);
    expect(shares.has('c')).toBe(false);
  });

  it('applies the per-source cap first, and counts entries already ageing out', () => {
    const shares = evictionShares(new Map([['a', 500], ['b', 20]]), [{ sourceId: 'a' }, { sourceId: 'a' }], 100_000, 300);
    expect(shares.get('a')).toBe(198);
    expect(shares.has('b')).toBe(false);
  });
});
