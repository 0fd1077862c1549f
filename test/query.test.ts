import { describe, expect, it } from 'vitest';
import { applyRetention } from '../src/catalog';
import { QueryError, decodeCursor, encodeCursor, parseListQuery, selectEntries } from '../src/query';
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
