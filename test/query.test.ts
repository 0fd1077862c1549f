import { describe, expect, it } from 'vitest';
import { applyRetention } from '../src/catalog';
import { QueryError, decodeCursor, encodeCursor, parseListQuery, selectEntries } from '../src/query';
import { queryString } from '../src/render/index';
import { Rng, seedFor } from './support/fuzz';
import type { StoredEntry } from '../src/store';

function entry(i: number, over: Partial<StoredEntry> = {}): StoredEntry {
  const t = new Date(Date.UTC(2026, 10, 26, 8) - Math.floor(i / 2) * 60_000).toISOString();
  return {
    id: `s${i % 3}:${i.toString(16).padStart(16, '0')}`, sourceId: `s${i % 3}`, guid: null, url: `https://e.com/${i}`, originalUrl: null,
    title: `Entry ${i}`, summaryText: `summary ${i}`, image: null, authors: [], categories: [], language: null, published: t, updated: null,
    dateInferred: null, dateOriginal: null, firstSeen: t, contentHash: '0'.repeat(16), dupOf: null, storyId: `st${i}`, bodyKey: null, ...over,
  };
}

describe('query', () => {
  const all = Array.from({ length: 37 }, (_, i) => entry(i));

  it('walks every entry exactly once with keyset cursors, even with equal timestamps', () => {
    const q = parseListQuery(new URLSearchParams('limit=5'));
    const seen: string[] = [];
    let cursor = null;
    for (let i = 0; i < 20; i++) {
      const page = selectEntries(all, { ...q, cursor }, {});
      seen.push(...page.entries.map((e) => e.id));
      if (!page.next) break;
      cursor = decodeCursor(encodeCursor(page.next));
    }
    expect(seen).toHaveLength(37);
    expect(new Set(seen).size).toBe(37);
  });

  it('does not shift pages when newer entries arrive mid-walk', () => {
    const q = parseListQuery(new URLSearchParams('limit=10'));
    const first = selectEntries(all, q, {});
    const newer = [entry(100, { published: '2027-01-01T00:00:00.000Z', id: 'new:0000000000000001' }), ...all];
    const second = selectEntries(newer, { ...q, cursor: first.next }, {});
    expect(second.entries[0].id).toBe(all.slice().sort((a, b) => b.published.localeCompare(a.published) || (a.id < b.id ? 1 : -1))[10].id);
  });

  it('hides copies whose primary is in the result, shows them when it is filtered out', () => {
    const list = [entry(1), entry(2, { dupOf: entry(1).id, sourceId: 's9' })];
    expect(selectEntries(list, parseListQuery(new URLSearchParams()), {}).entries.map((e) => e.id)).toEqual([entry(1).id]);
    expect(selectEntries(list, parseListQuery(new URLSearchParams('source=s9')), {}).entries).toHaveLength(1);
    expect(selectEntries(list, parseListQuery(new URLSearchParams('dedupe=false')), {}).entries).toHaveLength(2);
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

describe('retention', () => {
  it('ages out by first-seen, caps the count, and promotes a surviving copy', () => {
    const now = new Date('2026-11-26T08:00:00Z');
    const old = entry(1, { firstSeen: '2026-11-10T00:00:00.000Z', published: '2020-01-01T00:00:00.000Z' });
    const copy = entry(2, { dupOf: old.id, firstSeen: '2026-11-25T00:00:00.000Z' });
    const copy2 = entry(3, { dupOf: old.id, firstSeen: '2026-11-25T00:00:00.000Z', published: '2026-11-25T01:00:00.000Z' });
    const recentButOldDate = entry(4, { firstSeen: '2026-11-26T07:00:00.000Z', published: '2001-01-01T00:00:00.000Z' });
    const { kept, expired } = applyRetention([old, copy, copy2, recentButOldDate], now, 7, 10);
    expect(expired.map((e) => e.id)).toEqual([old.id]);
    expect(kept.map((e) => e.id)).toContain(recentButOldDate.id);
    const primaries = kept.filter((e) => (e.id === copy.id || e.id === copy2.id) && !e.dupOf);
    expect(primaries).toHaveLength(1);
    const capped = applyRetention(Array.from({ length: 30 }, (_, i) => entry(i)), now, 7, 20);
    expect(capped.kept).toHaveLength(20);
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
