/**
 * Story grouping rules on real headlines from the labeled dev set
 * (test/fixtures/grouping/miley.json: two UCI stories about Miley Cyrus,
 * a fan arrested in her dressing room and a show she performed in her
 * underwear, which are different events and must stay apart). The fixture
 * also holds 1,500 other headlines of the same crawl: term statistics come
 * from the whole window in real use, so the tests count them too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoryIndex } from '../src/group';

interface Row { story: string; title: string; timestamp: number }
const fixture: { stories: Row[]; background: string[] } = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'grouping', 'miley.json'), 'utf8'));
const rows = fixture.stories;
const background = fixture.background.map((title) => ({ title, summaryText: '' }));

const entry = (r: Row, i: number, shiftMs = 0) => ({ id: `e${i}`, title: r.title, summaryText: '', published: new Date(r.timestamp + shiftMs).toISOString() });

function place(list: Row[], opts: { sameHour?: boolean } = {}) {
  const t0 = list[0].timestamp;
  const entries = list.map((r, i) => entry(opts.sameHour ? { ...r, timestamp: t0 + i * 1000 } : r, i));
  const idx = new StoryIndex([], null, { windowHours: 72, now: new Date(entries[entries.length - 1].published) });
  idx.count([...background, ...entries]);
  const storyOf = new Map<string, string>();
  for (const e of entries) {
    const p = idx.place(e);
    for (const [k, v] of storyOf) if (p.merged.includes(v)) storyOf.set(k, p.storyId);
    storyOf.set(e.id, p.storyId);
  }
  return { entries, storyOf, idx };
}

/** For each labeled story, the share of its entries in its largest group, and the entries mixed with the other label. */
function purity(list: Row[], storyOf: Map<string, string>) {
  const groups = new Map<string, Map<string, number>>();
  list.forEach((r, i) => {
    const g = storyOf.get(`e${i}`)!;
    const m = groups.get(g) ?? new Map<string, number>();
    m.set(r.story, (m.get(r.story) ?? 0) + 1);
    groups.set(g, m);
  });
  let mixed = 0;
  for (const m of groups.values()) if (m.size > 1) mixed += Math.min(...m.values());
  const biggest = (label: string) => Math.max(...[...groups.values()].map((m) => m.get(label) ?? 0)) / list.filter((r) => r.story === label).length;
  return { mixed, fan: biggest('miley-fan'), underwear: biggest('miley-underwear') };
}

describe('story grouping on real headlines', () => {
  it('keeps the two Miley Cyrus events apart and groups most of each', () => {
    const { storyOf } = place(rows);
    const p = purity(rows, storyOf);
    expect(p.mixed).toBe(0);
    expect(p.fan).toBeGreaterThan(0.9);
    expect(p.underwear).toBeGreaterThan(0.6);
  });

  it('keeps them apart on content alone, with no time gap to help', () => {
    // Interleave the two stories within one hour: only the words can tell them apart.
    const fan = rows.filter((r) => r.story === 'miley-fan');
    const und = rows.filter((r) => r.story === 'miley-underwear');
    const mixedOrder = [...fan.slice(0, 10), ...und.slice(0, 20), ...fan.slice(10), ...und.slice(20)];
    const { storyOf } = place(mixedOrder, { sameHour: true });
    // The stories do not merge (that would mix 30 or more). Three underwear-story headlines
    // share real words with the other event and stray into it: "Miley Cyrus Has A Backstage
    // Tour-Drobe Drama", "Minogue a fan of 'unapologetic' Cyrus" and one about the singer's
    // breakup; with real timestamps (previous test) none strays.
    expect(purity(mixedOrder, storyOf).mixed).toBeLessThanOrEqual(3);
  });

  it('is deterministic, and a run that reloads its state from JSON groups exactly like one that did not', () => {
    expect([...place(rows).storyOf]).toEqual([...place(rows).storyOf]);
    const half = Math.floor(rows.length / 2);
    const all = rows.map((r, i) => entry(r, i));
    const now = new Date(all[all.length - 1].published);
    const run = (reload: boolean) => {
      let idx = new StoryIndex([], null, { windowHours: 72, now });
      idx.count([...background, ...all.slice(0, half)]);
      const storyOf = new Map<string, string>();
      const placeAll = (list: typeof all) => {
        for (const e of list) {
          const p = idx.place(e);
          for (const [k, v] of storyOf) if (p.merged.includes(v)) storyOf.set(k, p.storyId);
          storyOf.set(e.id, p.storyId);
        }
      };
      placeAll(all.slice(0, half));
      if (reload) idx = new StoryIndex([], JSON.parse(JSON.stringify(idx.state())), { windowHours: 72, now });
      idx.count(all.slice(half));
      placeAll(all.slice(half));
      return storyOf;
    };
    const once = run(false);
    const twice = run(true);
    // Centroid weights are stored to 3 decimals, so allow the odd borderline entry to differ.
    let differ = 0;
    for (const [id, s] of once) if (twice.get(id) !== s) differ++;
    expect(differ).toBeLessThanOrEqual(2);
    expect(purity(rows, twice).mixed).toBe(purity(rows, once).mixed);
    expect(purity(rows, twice).mixed).toBeLessThanOrEqual(3);
  });

  it('closes stories that went quiet for longer than the window', () => {
    const r = rows.find((x) => x.story === 'miley-fan')!;
    const idx = new StoryIndex([], null, { windowHours: 72, now: new Date(r.timestamp) });
    const first = entry(r, 1);
    const later = entry(r, 2, 4 * 86_400_000);
    idx.count([first, later]);
    const a = idx.place(first);
    const b = idx.place(later);
    expect(b.storyId).not.toBe(a.storyId);
  });
});
