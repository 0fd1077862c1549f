/**
 * The ranking formula (src/rank.ts) on its own, and on stories made from real
 * items (test/support/real-events.ts) the way the writer makes them
 * (catalog.ts storyOf). The order through the HTTP API is
 * test/integration/ranking.test.ts's.
 */
import { describe, expect, it } from 'vitest';
import { storyOf } from '../src/catalog';
import { RANKING } from '../src/config';
import type { Story, StoredEntry } from '../src/model';
import { coverageOf, horizonStart, isTopStory, rankKey, rankingOf, scoreAt, weightOf } from '../src/rank';
import { REAL_ITEMS } from './support/real-events';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function stored(id: string, sourceId: string, published: string, over: Partial<StoredEntry> = {}): StoredEntry {
  return {
    id: `${sourceId}:${id}`, sourceId, guid: id, url: `https://news.example/${id}`, originalUrl: null, title: `Title ${id}`, summaryText: '',
    image: null, authors: [], categories: [], language: null, published, updated: null, dateInferred: null, dateOriginal: null,
    firstSeen: published, contentHash: id, dupOf: null, storyId: 'st', ...over,
  };
}

/** sort=top as store/pages.ts reads it: the top tier by rank, then the others newest first. */
function topOrder(stories: Story[], ref: number): string[] {
  const key = (s: Story) => (isTopStory(s, ref) ? [1, s.rank] : [2, Date.parse(s.updated)]);
  return [...stories].sort((a, b) => {
    const [ta, ka] = key(a);
    const [tb, kb] = key(b);
    return ta - tb || kb - ka || (a.id < b.id ? 1 : -1);
  }).map((s) => s.id);
}

describe('the formula', () => {
  it('weighs distinct outlets plus momentum, and a single outlet exactly 1', () => {
    expect(weightOf(1, 1)).toBe(1);
    expect(weightOf(3, 1)).toBe(3);
    expect(weightOf(3, 3)).toBe(3 + 2 * RANKING.momentumWeight);
  });

  it('scores weight × 2^(−age / half-life) from the key alone, whatever the reference time', () => {
    const t = Date.parse('2026-11-26T12:00:00Z');
    const key = rankKey(iso(t), 3, 1);
    // The key is whole milliseconds, so the score is exact to about 1e-9.
    expect(scoreAt(key, t)).toBeCloseTo(3, 7);
    expect(scoreAt(key, t + RANKING.halfLifeHours * HOUR)).toBeCloseTo(1.5, 7);
    expect(scoreAt(key, t + 2 * RANKING.halfLifeHours * HOUR)).toBeCloseTo(0.75, 7);
    // The order of two keys is the order of their scores at any reference time.
    const other = rankKey(iso(t + 5 * HOUR), 1, 1);
    for (const ref of [t, t + 7 * HOUR, t + 100 * HOUR]) expect(Math.sign(key - other)).toBe(Math.sign(scoreAt(key, ref) - scoreAt(other, ref)));
  });

  it('counts an outlet once however many articles it has, and momentum within the window before the newest', () => {
    const newest = '2026-11-26T12:00:00.000Z';
    const entries = [
      { sourceId: 'a', published: newest },
      { sourceId: 'a', published: '2026-11-26T11:00:00.000Z' },
      { sourceId: 'b', published: '2026-11-26T07:00:00.000Z' },
      { sourceId: 'c', published: '2026-11-25T12:00:00.000Z' },
    ];
    expect(coverageOf(entries, newest)).toEqual({ outlets: 3, momentum: 2 });
  });

  it('keeps the top tier to stories with two outlets whose newest coverage arrived within the horizon', () => {
    const ref = Date.parse('2026-11-26T12:00:00Z');
    const s = (outlets: number, seenHoursAgo: number) => ({ outlets, seen: iso(ref - seenHoursAgo * HOUR) });
    expect(isTopStory(s(2, 1), ref)).toBe(true);
    expect(isTopStory(s(1, 1), ref)).toBe(false);
    expect(isTopStory(s(5, RANKING.horizonHours + 1), ref)).toBe(false);
    expect(horizonStart(ref)).toBe(iso(ref - RANKING.horizonHours * HOUR));
  });
});

describe('on real items', () => {
  // Each outlet's items as the writer stores them, grouped by their labeled event.
  const entries = REAL_ITEMS.map((i) => stored(i.id, i.source.toLowerCase().replace(/\W+/g, '-'), new Date(i.published).toISOString(), { title: i.title, summaryText: i.summary, storyId: i.event }));
  const stories = [...new Set(entries.map((e) => e.storyId))].map((id) => storyOf(id, entries.filter((e) => e.storyId === id))!);
  const ref = Date.parse('2022-04-05T22:30:00Z');

  it('ranks three outlets on one event above a newer single-outlet item, and the same way every time', () => {
    const mcleod = stories.find((s) => s.id === 'dev-bobbi-anne-mcleod-murder-plea')!;
    const edit = stories.find((s) => s.id === 'dev-twitter-edit-button')!;
    expect(mcleod.outlets).toBe(3);
    expect(edit.outlets).toBe(1);
    expect(edit.updated > mcleod.updated).toBe(true);
    const order = topOrder(stories, ref);
    expect(order).toEqual(['dev-musk-joins-twitter-board', 'dev-bobbi-anne-mcleod-murder-plea', 'dev-twitter-edit-button']);
    // Not only by tier: the score itself puts the three-outlet story first.
    expect(rankingOf(mcleod, ref).score).toBeGreaterThan(rankingOf(edit, ref).score);
    // Deterministic: the same state ranks the same, in any input order.
    expect(topOrder([...stories].reverse(), ref)).toEqual(order);
    const again = [...new Set(entries.map((e) => e.storyId))].reverse().map((id) => storyOf(id, [...entries].reverse().filter((e) => e.storyId === id))!);
    expect(topOrder(again, ref)).toEqual(order);
  });

  it('explains the rank: outlets, momentum and the key as a time', () => {
    const musk = stories.find((s) => s.id === 'dev-musk-joins-twitter-board')!;
    const r = rankingOf(musk, ref);
    // HuffPost 12:49, the Telegraph 13:38 and the NYT 19:17: within 6 h before the newest are the NYT and the Telegraph.
    expect(r).toMatchObject({ top: true, outlets: 3, momentum: 2 });
    expect(Date.parse(r.rankedAs) - Date.parse(musk.updated)).toBe(Math.round(RANKING.halfLifeHours * HOUR * Math.log2(3 + RANKING.momentumWeight)));
  });
});
