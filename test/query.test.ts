/** The list query's parsing and cursor encoding, pure. Filtering and paging are SQL: test/store/db.test.ts. */
import { describe, expect, it } from 'vitest';
import { QueryError, decodeCursor, encodeCursor, parseListQuery } from '../src/query';
import { queryString } from '../src/render/index';
import { Rng, seedFor } from './support/fuzz';

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

  it('orders stories top by default or latest when asked, and a cursor keeps the order it was issued for', () => {
    expect(parseListQuery(new URLSearchParams('')).sort).toBe('top');
    expect(parseListQuery(new URLSearchParams('sort=latest')).sort).toBe('latest');
    expect(() => parseListQuery(new URLSearchParams('sort=best'))).toThrow(QueryError);
    const top = { t: 1_764_000_000_000, id: 'st_0123', top: { ref: 1_763_990_000_000, tier: 1 as const } };
    const encoded = encodeCursor(top);
    expect(decodeCursor(encoded)).toEqual(top);
    expect(parseListQuery(new URLSearchParams(`cursor=${encoded}`)).sort).toBe('top');
    const latest = encodeCursor({ t: 1_764_000_000_000, id: 'st_0123' });
    expect(parseListQuery(new URLSearchParams(`cursor=${latest}`)).sort).toBe('latest');
    for (const qs of [`sort=latest&cursor=${encoded}`, `sort=top&cursor=${latest}`]) {
      try {
        parseListQuery(new URLSearchParams(qs));
        expect.unreachable(qs);
      } catch (e) {
        expect((e as QueryError).param).toBe('cursor');
      }
    }
    // A story list's canonical query says sort=latest; the entry lists have one order and never do.
    const q = parseListQuery(new URLSearchParams('sort=latest&category=film'));
    expect(queryString(q, null, true, true)).toBe('?sort=latest&category=film');
    expect(queryString(q, null)).toBe('?category=film');
  });
});

describe('every next_url Marquee writes is one it accepts (issue 13 item 8)', () => {
  const roundTrip = (qs: string) => {
    const q = parseListQuery(new URLSearchParams(qs));
    // The canonical query of a next page, as render/index.ts writes it into next_url.
    const next = queryString(q, { t: Date.parse('2026-11-26T08:00:00Z'), id: 's:0000000000000001' });
    const again = parseListQuery(new URLSearchParams(next.slice(1)));
    return { q, again, next };
  };

  it.each([
    'since=0000-01-01T00:00:00Z',
    'since=0000-01-01T00:00:00-00:01',
    'since=0000-02-29',
    'until=9999-12-31T23:59:59.999Z',
    'until=9999-12-31T23:59:59+00:01',
    'since=0000-01-01T23:59:00-23:59&until=9999-12-31T00:00:00+23:59',
  ])('%s', (qs) => {
    const { q, again, next } = roundTrip(qs);
    expect(next).not.toMatch(/[+-]0\d{5}|since=-|until=-/);
    expect([again.since, again.until]).toEqual([q.since, q.until]);
  });

  it.each([
    // Year -1 once the offset is applied: its next_url used to say since=-000001-12-31T23:59:00.000Z.
    'since=0000-01-01T00:00:00+00:01',
    'since=0000-01-01T00:00:00+23:59',
    // Year 10000 once the offset is applied.
    'until=9999-12-31T23:59:59-00:01',
    // Not a leap day in 1900, but 0000 is a leap year and 0001 is not.
    'since=0001-02-29',
  ])('refuses %s with INVALID_QUERY', (qs) => {
    expect(() => parseListQuery(new URLSearchParams(qs))).toThrow(QueryError);
  });

  it('for 5,000 seeded random bounds across the whole range, with offsets', () => {
    const r = new Rng(seedFor('query-bounds'));
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    let accepted = 0;
    for (let k = 0; k < 5000; k++) {
      const year = r.chance(0.3) ? r.pick([0, 1, 9998, 9999]) : r.int(10000);
      const off = r.chance(0.5) ? 'Z' : `${r.pick(['+', '-'])}${pad(r.int(24), 2)}:${pad(r.int(60), 2)}`;
      const v = `${pad(year, 4)}-${pad(1 + r.int(12), 2)}-${pad(1 + r.int(28), 2)}T${pad(r.int(24), 2)}:${pad(r.int(60), 2)}:${pad(r.int(60), 2)}${off}`;
      let q;
      try {
        q = parseListQuery(new URLSearchParams({ since: v }));
      } catch (err) {
        expect(err).toBeInstanceOf(QueryError);
        continue;
      }
      accepted++;
      const next = queryString(q, { t: 0, id: 'x' });
      expect(parseListQuery(new URLSearchParams(next.slice(1))).since, `${v} -> ${next}`).toBe(q.since);
    }
    expect(accepted).toBeGreaterThan(4500);
  });
});
