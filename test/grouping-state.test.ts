/**
 * The in-memory grouping state against the repositories' contract
 * (test/support/grouping-contract.ts), which the SQLite implementation runs too.
 */
import { describe, expect, it } from 'vitest';
import { MemoryGroupingState } from '../src/grouping-state';
import { groupingContract, story } from './support/grouping-contract';

describe('in-memory grouping state', () => {
  groupingContract(async (body) => body(new MemoryGroupingState()));

  it('counts its open stories', () => {
    const m = new MemoryGroupingState();
    m.putStory(story('st_a', 100, [1]));
    m.putStory(story('st_b', 300, [1]));
    m.closeStories(200);
    expect(m.openStories).toBe(1);
  });
});
