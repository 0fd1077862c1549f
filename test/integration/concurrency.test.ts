/**
 * Overlapping writers, inside workerd with the real catalog object and real
 * HTTP: runs that start together, a resume or a new source list that lands
 * while a run is fetching. The fixture feeds answer after a delay, so the
 * runs' fetches really overlap and their commits interleave with the other
 * operations. Each scenario is repeated ROUNDS times; every round asserts that
 * nothing any of them fetched is lost and that the admin's change stands.
 */
import { describe, expect, it } from 'vitest';
import { at, callWith, cronWith, fixtureScope, jsonWith, putSourcesWith, savedState, storedEntries } from '../support/runs';

const ROUNDS = 20;
const T0 = new Date('2026-11-28T08:00:00Z');
const fx = fixtureScope('concurrency');
const DELAY = 40;

/** Guids stored per source. */
async function guids(): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const e of await storedEntries()) {
    if (!out.has(e.sourceId)) out.set(e.sourceId, new Set());
    out.get(e.sourceId)!.add(e.guid!);
  }
  return out;
}

/** Every guid a generated feed of 10 items has listed when first fetched after one slide, and after each of `bumps - 1` more. */
const everListed = (name: string, bumps: number) => Array.from({ length: 9 + bumps }, (_, i) => `${name}-${i + 1}`).sort();

const refreshAll = () => callWith('/admin/refresh', { method: 'POST', admin: true });
const refreshOne = (id: string) => callWith(`/admin/refresh?source=${id}`, { method: 'POST', admin: true });

describe('overlapping writers lose nothing', () => {
  it(`the cron and a manual refresh started together, ${ROUNDS} times, each with new items`, async () => {
    await fx.reset();
    const ids = ['a', 'b', 'c'];
    expect((await putSourcesWith(ids.map((id) => ({ id, url: fx.url(`/gen/cm-${id}?delay=${DELAY}`) })))).status).toBe(200);
    for (let r = 1; r <= ROUNDS; r++) {
      for (const id of ids) await fx.bump(`cm-${id}`);
      const [, manual] = await Promise.all([cronWith(at(T0, r)), refreshAll()]);
      expect(manual.status).toBe(200);
      const stored = await guids();
      for (const id of ids) expect([...(stored.get(id) ?? [])].sort(), `round ${r}, ${id}`).toEqual(everListed(`cm-${id}`, r));
    }
    // The validators saved are the ones that go with what is stored: an unchanged feed now answers 304.
    const run: any = await (await refreshAll()).json();
    expect(run.notModified).toBe(ids.length);
  }, 120_000);

  it(`?source=a and ?source=b refreshed at the same moment, ${ROUNDS} times, each with new items`, async () => {
    await fx.reset();
    expect((await putSourcesWith(['ab-a', 'ab-b'].map((id) => ({ id, url: fx.url(`/gen/${id}?delay=${DELAY}`) })))).status).toBe(200);
    for (let r = 1; r <= ROUNDS; r++) {
      await fx.bump('ab-a');
      await fx.bump('ab-b');
      const [ra, rb] = await Promise.all([refreshOne('ab-a'), refreshOne('ab-b')]);
      expect([ra.status, rb.status]).toEqual([200, 200]);
      const stored = await guids();
      expect([...stored.get('ab-a')!].sort(), `round ${r}`).toEqual(everListed('ab-a', r));
      expect([...stored.get('ab-b')!].sort(), `round ${r}`).toEqual(everListed('ab-b', r));
      const states = await Promise.all([savedState('ab-a'), savedState('ab-b')]);
      for (const s of states) expect(s!.etag, `round ${r}`).toMatch(/^"/);
    }
  }, 120_000);

  it(`a resume made during a run stays resumed, ${ROUNDS} times`, async () => {
    await fx.reset();
    await fx.faults(true);
    const list = [{ id: 'gone', url: fx.url('/fault/410/gone') }, { id: 'slow', url: fx.url(`/gen/slow?delay=${DELAY * 3}`) }];
    expect((await putSourcesWith(list)).status).toBe(200);
    for (let r = 1; r <= ROUNDS; r++) {
      // 410 pauses at once.
      await refreshOne('gone');
      expect((await savedState('gone'))!.paused, `round ${r}`).toBe(true);
      await fx.bump('slow');
      const run = cronWith(at(T0, 100 + r));
      await new Promise((res) => setTimeout(res, DELAY));
      const resumed = await callWith('/admin/sources/gone/resume', { method: 'POST', admin: true });
      expect(resumed.status).toBe(200);
      await run;
      const s = (await savedState('gone'))!;
      expect(s.paused, `round ${r}`).toBe(false);
      expect(s.dueSince, `round ${r}`).not.toBeNull();
      expect([...(await guids()).get('slow')!].sort()).toEqual(everListed('slow', r));
    }
    await fx.faults(false);
  }, 120_000);

  it(`a PUT /admin/sources during a run stands, and the run's results for a removed source are dropped, ${ROUNDS} times`, async () => {
    await fx.reset();
    for (let r = 1; r <= ROUNDS; r++) {
      const keep = { id: 'keep', url: fx.url(`/gen/keep?delay=${DELAY}`) };
      const dropped = { id: `old-${r}`, url: fx.url(`/gen/old-${r}?delay=${DELAY * 3}`) };
      const added = { id: `new-${r}`, url: fx.url(`/gen/new-${r}`), title: `New ${r}`, category: 'fresh' };
      expect((await putSourcesWith([keep, dropped])).status).toBe(200);
      await fx.bump('keep');
      const run = refreshAll();
      await new Promise((res) => setTimeout(res, DELAY / 2));
      expect((await putSourcesWith([keep, added])).status).toBe(200);
      expect((await run).status).toBe(200);
      const list: any = await jsonWith('/admin/sources', { admin: true });
      expect(list.sources.map((s: any) => s.id), `round ${r}`).toEqual(['keep', `new-${r}`]);
      const stored = await guids();
      expect(stored.has(`old-${r}`), `round ${r}: entries of the removed source`).toBe(false);
      expect([...stored.get('keep')!].sort(), `round ${r}`).toEqual(everListed('keep', r));
    }
  }, 120_000);
});
