/**
 * The contract of the grouping and dedupe repositories (src/grouping-state.ts), run against
 * each implementation: the in-memory one (test/grouping-state.test.ts) and SQLite inside
 * workerd (test/store/grouping-sql.test.ts). Counters move by one document at a time; story
 * lookups are keyed by terms and bounded by the open window, a hit count and a limit, in a
 * fixed order; duplicate lookups skip keys posted too often.
 */
import { expect, it } from 'vitest';
import type { DedupeRepo, DupRecord, GroupRepo, StoryRecord } from '../../src/grouping-state';

export type GroupingRepo = GroupRepo & DedupeRepo;

export const story = (id: string, last: number, terms: number[]): StoryRecord => ({ id, n: 1, first: last, last, sources: ['s'], years: [], terms: terms.map((t) => [t, 1]) });
export const record = (id: string, urlKey: string | null = null): DupRecord => ({
  id, sourceId: 's', outlet: 'example', host: 'example.com', slug: null, primary: id, time: 0, urlKey, title: [1, 2], titleNumbers: '', numbers: [], seq: [1, 2], summaryWords: 0, fp: null,
});

/** Register the contract's cases; `withRepo` runs a case on a fresh, empty repository. */
export function groupingContract(withRepo: (body: (m: GroupingRepo) => void) => Promise<void>): void {
  it('counts documents one at a time, both ways', () => withRepo((m) => {
    m.countDoc([1, 2], 1);
    m.countDoc([2, 3], 1);
    expect(m.docCount()).toBe(2);
    expect(m.docFreq([1, 2, 3, 4, 2])).toEqual([1, 2, 1, 0, 2]);
    m.countDoc([1, 2], -1);
    expect(m.docCount()).toBe(1);
    expect(m.docFreq([1, 2, 3])).toEqual([0, 1, 1]);
  }));

  it('keeps each source apart', () => withRepo((m) => {
    m.countSourceDoc('a', [7], 1);
    m.countSourceDoc('a', [7, 8], 1);
    m.countSourceDoc('b', [8], 1);
    expect([m.sourceDocCount('a'), m.sourceDocCount('b'), m.sourceDocCount('c')]).toEqual([2, 1, 0]);
    expect(m.sourceFreq('a', [7, 8])).toEqual([2, 1]);
    expect(m.sourceFreq('b', [7, 8])).toEqual([0, 1]);
    m.countSourceDoc('b', [8], -1);
    expect([m.sourceDocCount('b'), ...m.sourceFreq('b', [8]), ...m.sourceFreq('a', [7, 8])]).toEqual([0, 0, 2, 1]);
  }));

  it('finds open stories by their terms: most shared first, then most recent, then by id, within the window and the limit', () => withRepo((m) => {
    m.putStory(story('st_b', 100, [1, 2]));
    m.putStory(story('st_a', 100, [1, 2]));
    m.putStory(story('st_c', 200, [1]));
    m.putStory(story('st_old', 10, [1, 2, 3]));
    expect(m.storiesWithTerms([1, 2, 3], 50, 10, 1).map((s) => s.id)).toEqual(['st_a', 'st_b', 'st_c']);
    expect(m.storiesWithTerms([1, 2, 3], 50, 10, 2).map((s) => s.id)).toEqual(['st_a', 'st_b']);
    expect(m.storiesWithTerms([1, 2, 3], 0, 10, 3).map((s) => s.id)).toEqual(['st_old']);
    expect(m.storiesWithTerms([1, 2], 50, 1, 1).map((s) => s.id)).toEqual(['st_a']);
  }));

  it('re-indexes a replaced story, closes stories idle past a time, and deletes them', () => withRepo((m) => {
    m.putStory(story('st_a', 100, [1, 2]));
    m.putStory(story('st_a', 150, [2, 3]));
    expect(m.storiesWithTerms([1], 0, 10, 1)).toEqual([]);
    expect(m.storiesWithTerms([3], 0, 10, 1).map((s) => s.last)).toEqual([150]);
    m.putStory(story('st_b', 300, [3]));
    m.closeStories(200);
    expect(m.storiesWithTerms([2, 3], 0, 10, 1).map((s) => s.id)).toEqual(['st_b']);
    m.deleteStory('st_b');
    expect(m.storiesWithTerms([3], 0, 10, 1)).toEqual([]);
  }));

  it('finds duplicate records by key, skipping keys posted more than the cap, and by URL key (the earliest)', () => withRepo((m) => {
    m.put(record('a', 'example.com/x'), [10, 11]);
    m.put(record('b', 'example.com/x'), [10, 12]);
    m.put(record('c'), [10]);
    expect(m.withKeys([11, 12], 5).map(([i, r]) => [i, r.id])).toEqual([[0, 'a'], [1, 'b']]);
    expect(m.withKeys([10], 2)).toEqual([]); // three entries share key 10: too common
    expect(m.byUrlKey('example.com/x')?.id).toBe('a');
    expect(m.get('b')).toEqual(record('b', 'example.com/x'));
    m.remove('a');
    // The memory version forgets the URL key; SQLite answers with its next earliest holder.
    expect(m.byUrlKey('example.com/x')?.id ?? 'b').toBe('b');
    expect(m.withKeys([10, 11], 5).map(([, r]) => r.id)).toEqual(['b', 'c']);
    expect(m.get('a')).toBeNull();
  }));
}
