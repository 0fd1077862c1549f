/** The list query's parsing and cursor encoding, pure. Filtering and paging are SQL: test/store/db.test.ts. */
import { describe, expect, it } from 'vitest';
import { QueryError, decodeCursor, encodeCursor, parseListQuery } from '../src/query';

describe('query', () => {
  it('round-trips a cursor, and refuses one it did not issue', () => {
    const c = { t: Date.UTC(2026, 10, 26, 8), id: 'variety:00000000000000ff' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(() => decodeCursor('%%%')).toThrow(QueryError);
  });

  it('validates parameters and names the bad one', () => {
    for (const [qs, param] of [['limit=-1', 'limit'], ['limit=1.5', 'limit'], ['since=2026-13-01', 'since'], ['until=soon', 'until'], ['since=2026-11-27T00:00:00Z&until=2026-11-26T00:00:00Z', 'since'], ['cursor=abc', 'cursor']]) {
      expect(() => parseListQuery(new URLSearchParams(qs)), qs).toThrow(QueryError);
      try {
        parseListQuery(new URLSearchParams(qs));
      } catch (e) {
        expect((e as QueryError).param).toBe(param);
      }
    }
    expect(parseListQuery(new URLSearchParams('limit=9999')).limit).toBe(500);
  });
});
