/**
 * Placing batches the way commits do (src/placement.ts), on the
 * real-feed dev set (test/fixtures/eval/real-dev.jsonl): the order of a batch
 * does not matter, a copy takes its primary's story even across runs, every
 * join carries its reason, entries leaving retention leave the statistics and
 * the duplicate index, and state rebuilt from a catalog (rebuildState, the v1
 * import) places a later report as the original state would.
 */
import { describe, expect, it } from 'vitest';
import { loadReal } from '../scripts/eval/data';
import { MemoryGroupingState } from '../src/grouping-state';
import { forgetEntries, placeBatch, rebuildState } from '../src/placement';

const WINDOW = { windowHours: 72 };
const dev = loadReal().items.map((it, i) => ({
  id: `d${String(i).padStart(3, '0')}`,
  sourceId: it.feed,
  url: it.url,
  title: it.title,
  summaryText: it.summary,
  published: new Date(it.time).toISOString(),
  fullText: it.summary,
}));
const find = (start: string) => dev.find((e) => e.title.startsWith(start))!;

describe('placing a batch', () => {
  it('places in publication order whatever order the batch comes in', () => {
    const run = (list: typeof dev) => placeBatch(new MemoryGroupingState(), list, WINDOW).map((p) => [p.entry.id, p.storyId, p.dupOf]);
    const shuffled = [...dev].sort((a, b) => (a.url < b.url ? -1 : 1));
    expect(run(shuffled)).toEqual(run(dev));
  });

  it("gives a copy its primary's story, when the primary came in an earlier run", () => {
    const state = new MemoryGroupingState();
    const deal = find('Deals: Get $49 Off Apple Watch SE');
    const [first] = placeBatch(state, [deal], WINDOW);
    const again = { ...deal, id: 'again', url: 'https://www.macrumors.com/2022/04/06/apple-watch-se-gold-box-deal/', published: new Date(Date.parse(deal.published) + 20 * 3_600_000).toISOString() };
    const [copy] = placeBatch(state, [again], WINDOW, (id) => (id === deal.id ? first.storyId : undefined));
    expect(copy.dupOf).toBe(deal.id);
    expect(copy.storyId).toBe(first.storyId);
    expect(copy.reason).toMatchObject({ kind: 'duplicate' });
  });

  it('says why each entry joined, and nothing for one that started its story', () => {
    const placed = placeBatch(new MemoryGroupingState(), dev, WINDOW);
    const starters = new Set<string>();
    for (const p of placed) {
      if (p.reason === null) {
        expect(starters.has(p.storyId)).toBe(false);
        starters.add(p.storyId);
      } else if (p.reason.kind === 'story') {
        expect(starters.has(p.storyId)).toBe(true);
        expect(p.reason.terms!.length).toBeGreaterThan(0);
        expect(p.reason.score).toBeGreaterThanOrEqual(0.3);
      }
    }
    expect(placed.filter((p) => p.reason?.kind === 'story').length).toBeGreaterThan(20);
  });
});

describe('retention', () => {
  it('takes expired entries out of the statistics and the duplicate index', () => {
    const state = new MemoryGroupingState();
    const deal = find('Deals: Get $49 Off Apple Watch SE');
    placeBatch(state, dev.slice(0, 100), WINDOW);
    placeBatch(state, [deal], WINDOW);
    forgetEntries(state, [...dev.slice(0, 100), deal], WINDOW);
    expect(state.docCount()).toBe(0);
    expect(state.sourceDocCount(deal.sourceId)).toBe(0);
    const [again] = placeBatch(state, [{ ...deal, id: 'again', url: `${deal.url}again` }], WINDOW);
    expect(again.dupOf).toBeNull();
  });
});

describe('state rebuilt from a catalog', () => {
  it('joins a later report to the same story as the state it replaces', () => {
    const first = dev.filter((e) => e.published < find('Elon Musk Joins Twitter Board').published);
    const placed = placeBatch(new MemoryGroupingState(), first, WINDOW);
    const catalog = placed.map((p) => ({ ...p.entry, storyId: p.storyId, dupOf: p.dupOf }));
    const musk = catalog.find((e) => e.title === 'Elon Musk to join Twitter board')!;
    const rebuilt = new MemoryGroupingState();
    rebuildState(rebuilt, catalog, WINDOW, {});
    expect(rebuilt.docCount()).toBe(catalog.length);
    const [p] = placeBatch(rebuilt, [find('Elon Musk Joins Twitter Board')], WINDOW);
    expect(p.storyId).toBe(musk.storyId);
    expect(p.dupOf).toBeNull();
  });
});
