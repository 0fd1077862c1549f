/**
 * The SQLite grouping and dedupe repositories (store/grouping-sql.ts) against the repositories'
 * contract (test/support/grouping-contract.ts), inside workerd, plus what only the tables show;
 * and a batch placed through both implementations gives the same stories and copies.
 */
import { describe, expect, it } from 'vitest';
import { MemoryGroupingState } from '../../src/grouping-state';
import { placeBatch } from '../../src/placement';
import { POSTING_CAP, SqlGroupingState } from '../../src/store/grouping-sql';
import { groupingContract, record, story } from '../support/grouping-contract';
import { withDb } from './helpers';

describe('SQLite grouping state', () => {
  groupingContract((body) => withDb((_db, sql) => body(new SqlGroupingState(sql))));

  it('deletes counters that reach zero, and binds more keys than one statement may', async () => {
    await withDb((_db, sql) => {
      const m = new SqlGroupingState(sql);
      m.countDoc([1, 2], 1);
      m.countDoc([1], -1);
      expect(sql.one<{ n: number }>('SELECT COUNT(*) AS n FROM term_df WHERE term = 1')!.n).toBe(0);
      const many = Array.from({ length: 250 }, (_, i) => 1000 + i);
      m.countDoc(many, 1);
      expect(m.docFreq(many).every((n) => n === 1)).toBe(true);
    });
  });

  it('removes closed stories and their terms from the tables', async () => {
    await withDb((_db, sql) => {
      const m = new SqlGroupingState(sql);
      m.putStory(story('st_a', 100, [1, 2]));
      m.putStory(story('st_b', 300, [3]));
      m.closeStories(200);
      expect(sql.one<{ n: number }>('SELECT COUNT(*) AS n FROM open_stories')!.n).toBe(1);
      m.deleteStory('st_b');
      expect(sql.one<{ n: number }>('SELECT COUNT(*) AS n FROM story_terms')!.n).toBe(0);
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
