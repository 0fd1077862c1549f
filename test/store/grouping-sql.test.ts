/**
 * The SQLite grouping and dedupe repositories (store/grouping-sql.ts) against the same
 * contract as the in-memory ones (test/grouping-state.test.ts), inside workerd; and a batch
 * placed through both gives the same stories and copies.
 */
import { describe, expect, it } from 'vitest';
import { MemoryGroupingState, type DupRecord, type StoryRecord } from '../../src/grouping-state';
import { placeBatch } from '../../src/placement';
import { POSTING_CAP, SqlGroupingState } from '../../src/store/grouping-sql';
import { withDb } from './helpers';

const story = (id: string, last: number, terms: number[]): StoryRecord => ({ id, n: 1, first: last, last, sources: ['s'], years: [], terms: terms.map((t) => [t, 1]) });
const record = (id: string, urlKey: string | null = null): DupRecord => ({
  id, sourceId: 's', outlet: 'example', host: 'example.com', slug: null, primary: id, time: 0, urlKey, title: [1, 2], titleNumbers: '', numbers: [], seq: [1, 2], summaryWords: 0, fp: null,
});

describe('SQLite grouping state', () => {
  it('counts documents one at a time, both ways, per source too, and forgets keys that reach zero', async () => {
    await withDb((_db, sql) => {
      const m = new SqlGroupingState(sql);
      m.countDoc([1, 2], 1);
      m.countDoc([2, 3, 3], 1);
      expect(m.docCount()).toBe(2);
      expect(m.docFreq([1, 2, 3, 4, 2])).toEqual([1, 2, 1, 0, 2]);
      m.countDoc([1, 2], -1);
      expect(m.docCount()).toBe(1);
      expect(m.docFreq([1, 2, 3])).toEqual([0, 1, 1]);
      expect(sql.one<{ n: number }>('SELECT COUNT(*) AS n FROM term_df WHERE term = 1')!.n).toBe(0);
      m.countSourceDoc('a', [7], 1);
      m.countSourceDoc('a', [7, 8], 1);
      m.countSourceDoc('b', [8], 1);
      expect([m.sourceDocCount('a'), m.sourceDocCount('b'), m.sourceDocCount('c')]).toEqual([2, 1, 0]);
      expect(m.sourceFreq('a', [7, 8])).toEqual([2, 1]);
      m.countSourceDoc('b', [8], -1);
      expect([m.sourceDocCount('b'), ...m.sourceFreq('b', [8])]).toEqual([0, 0]);
      // More distinct keys than one statement may bind.
      const many = Array.from({ length: 250 }, (_, i) => 1000 + i);
      m.countDoc(many, 1);
      expect(m.docFreq(many).every((n) => n === 1)).toBe(true);
    });
  });

  it('finds open stories by their terms: most shared first, then most recent, then by id, within the window and the limit', async () => {
    await withDb((_db, sql) => {
      const m = new SqlGroupingState(sql);
      m.putStory(story('st_b', 100, [1, 2]));
      m.putStory(story('st_a', 100, [1, 2]));
      m.putStory(story('st_c', 200, [1]));
      m.putStory(story('st_old', 10, [1, 2, 3]));
      expect(m.storiesWithTerms([1, 2, 3], 50, 10, 1).map((s) => s.id)).toEqual(['st_a', 'st_b', 'st_c']);
      expect(m.storiesWithTerms([1, 2, 3], 50, 10, 2).map((s) => s.id)).toEqual(['st_a', 'st_b']);
      expect(m.storiesWithTerms([1, 2, 3], 0, 10, 3).map((s) => s.id)).toEqual(['st_old']);
      expect(m.storiesWithTerms([1, 2], 50, 1, 1).map((s) => s.id)).toEqual(['st_a']);
      // Replaced: re-indexed by its new terms.
      m.putStory(story('st_a', 150, [2, 3]));
      expect(m.storiesWithTerms([1], 120, 10, 1).map((s) => s.id)).toEqual(['st_c']);
      expect(m.storiesWithTerms([3], 120, 10, 1).map((s) => s.last)).toEqual([150]);
      // Closed when idle past a time, and deleted with its terms.
      m.closeStories(120);
      expect(sql.one<{ n: number }>('SELECT COUNT(*) AS n FROM open_stories')!.n).toBe(2);
      expect(m.storiesWithTerms([1, 2, 3], 0, 10, 1).map((s) => s.id)).toEqual(['st_a', 'st_c']);
      m.deleteStory('st_a');
      m.deleteStory('st_c');
      expect(sql.one<{ n: number }>('SELECT COUNT(*) AS n FROM story_terms')!.n).toBe(0);
    });
  });

  it('finds duplicate records by key, skipping keys posted more than the cap, and by URL key (the earliest)', async () => {
    await withDb((_db, sql) => {
      const m = new SqlGroupingState(sql);
      m.put(record('a', 'example.com/x'), [10, 11]);
      m.put(record('b', 'example.com/x'), [10, 12]);
      m.put(record('c'), [10]);
      expect(m.withKeys([11, 12], 5).map(([i, r]) => [i, r.id])).toEqual([[0, 'a'], [1, 'b']]);
      expect(m.withKeys([10], 2)).toEqual([]); // three entries share key 10: too common
      expect(m.byUrlKey('example.com/x')?.id).toBe('a');
      m.remove('a');
      // DIFF from the memory version: the next earliest holder of the URL key answers.
      expect(m.byUrlKey('example.com/x')?.id).toBe('b');
      expect(m.withKeys([10, 11], 5).map(([, r]) => r.id)).toEqual(['b', 'c']);
      expect(m.get('a')).toBeNull();
      expect(m.get('b')).toEqual(record('b', 'example.com/x'));
    });
  });

  it('stops posting a key past POSTING_CAP but keeps counting it, so it stays skipped', async () => {
    await withDb((_db, sql) => {
      const m = new SqlGroupingState(sql);
      for (let i = 0; i < POSTING_CAP + 10; i++) m.put(record(`e${i}`), [77]);
      expect(sql.one<{ n: number }>('SELECT COUNT(*) AS n FROM dup_postings WHERE key = 77')!.n).toBe(POSTING_CAP);
      expect(sql.one<{ n: number }>('SELECT n FROM dup_keys WHERE key = 77')!.n).toBe(POSTING_CAP + 10);
      expect(m.withKeys([77], POSTING_CAP)).toEqual([]);
    });
  });
});

describe('placement through SQLite and through memory', () => {
  it('gives the same stories, copies and reasons for the same batches', async () => {
    const t = (h: number) => new Date(Date.UTC(2026, 3, 5, h)).toISOString();
    const item = (id: string, sourceId: string, title: string, summaryText: string, h: number) => ({ id, sourceId, url: `https://${sourceId}.example/${id}`, title, summaryText, published: t(h) });
    const batches = [
      [
        item('a1', 'nyt', 'Elon Musk Joins Twitter Board', 'The Tesla chief executive, who disclosed a 9.2 percent stake, will join the board of directors.', 1),
        item('b1', 'ft', 'Pitchfork Album Review: Quiet Songs', 'A review of a record.', 1),
      ],
      [
        item('c1', 'telegraph', 'Elon Musk to join Twitter board after buying 9.2pc stake', 'Twitter said Musk will join its board of directors.', 2),
        item('d1', 'bbc', 'Elon Musk Joins Twitter Board', 'The Tesla chief executive, who disclosed a 9.2 percent stake, will join the board of directors.', 3),
      ],
    ];
    const run = (repo: MemoryGroupingState | SqlGroupingState) => {
      const storyOf = new Map<string, string>();
      return batches.flatMap((b) => placeBatch(repo, b, { windowHours: 72 }, (id) => storyOf.get(id)).map((p) => {
        storyOf.set(p.entry.id, p.storyId);
        return [p.entry.id, p.storyId, p.dupOf, p.reason?.kind ?? null];
      }));
    };
    const memory = run(new MemoryGroupingState());
    const sqlite = await withDb((_db, sql) => run(new SqlGroupingState(sql)));
    expect(sqlite).toEqual(memory);
    // Not a trivial case: the Musk reports share a story, and one of them is a copy.
    expect(memory.filter((m) => m[1] === memory[0][1]).length).toBeGreaterThanOrEqual(2);
    expect(memory.some((m) => m[2] !== null)).toBe(true);
  });
});
