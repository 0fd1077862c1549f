/**
 * The catalog's list queries in SQLite (store/db.ts), inside workerd: keyset paging that
 * visits every entry once even with equal timestamps and while entries arrive, copies hidden
 * only when their primary is in the result, the entry filters (source, category, story, dates,
 * q through FTS5) on entries and stories, and IN lists longer than the parameter limit.
 */
import { describe, expect, it } from 'vitest';
import type { StoredEntry } from '../../src/model';
import { decodeCursor, encodeCursor, parseListQuery, type Cursor } from '../../src/query';
import type { CatalogDb } from '../../src/store/db';
import { ftsQuery } from '../../src/store/db';
import { withDb } from './helpers';

const T = Date.UTC(2026, 10, 26, 8);

function entry(i: number, over: Partial<StoredEntry> = {}): StoredEntry {
  const t = new Date(T - Math.floor(i / 2) * 60_000).toISOString();
  return {
    id: `s${i % 3}:${i.toString(16).padStart(16, '0')}`, sourceId: `s${i % 3}`, guid: null, url: `https://e.com/${i}`, originalUrl: null,
    title: `Entry ${i}`, summaryText: `summary ${i}`, image: null, authors: [], categories: [], language: null, published: t, updated: null,
    dateInferred: null, dateOriginal: null, firstSeen: t, contentHash: '0'.repeat(16), dupOf: null, storyId: `st${i}`, ...over,
  };
}

function seed(db: CatalogDb, entries: StoredEntry[]): void {
  ['s0', 's1', 's2', 's9'].forEach((id, pos) => db.upsertSource({ id, url: `https://${id}.example/feed`, title: null, home_page_url: null, category: id === 's1' ? 'music' : 'film' }, pos));
  for (const e of entries) db.insertEntry(e, null, ['', '']);
}

/** Follow the cursor from the first page to the last, collecting ids. */
function walk(db: CatalogDb, qs: string): string[] {
  const q = parseListQuery(new URLSearchParams(qs));
  const seen: string[] = [];
  let cursor: Cursor | null = null;
  for (let i = 0; i < 100; i++) {
    const rows = db.entryPage({ ...q, cursor });
    const page = rows.slice(0, q.limit);
    seen.push(...page.map((e) => e.id));
    if (rows.length <= q.limit) break;
    const last = page[page.length - 1];
    cursor = decodeCursor(encodeCursor({ t: Date.parse(last.published), id: last.id }));
  }
  return seen;
}

describe('entry pages', () => {
  it('walk every entry exactly once with keyset cursors, even with equal timestamps, newest first', async () => {
    await withDb((db) => {
      seed(db, Array.from({ length: 37 }, (_, i) => entry(i)));
      const seen = walk(db, 'limit=5');
      expect(seen).toHaveLength(37);
      expect(new Set(seen).size).toBe(37);
      const all = db.entryPage(parseListQuery(new URLSearchParams('limit=500')));
      const order = all.map((e) => [e.published, e.id].join('|'));
      expect(order).toEqual([...order].sort().reverse());
    });
  });

  it('do not shift when newer entries arrive mid-walk', async () => {
    await withDb((db) => {
      seed(db, Array.from({ length: 37 }, (_, i) => entry(i)));
      const q = parseListQuery(new URLSearchParams('limit=10'));
      const first = db.entryPage(q).slice(0, 10);
      const last = first[9];
      db.insertEntry(entry(100, { id: 's0:00000000000000ff', published: '2027-01-01T00:00:00.000Z' }), null, ['', '']);
      const second = db.entryPage({ ...q, cursor: { t: Date.parse(last.published), id: last.id } });
      expect(second[0].id).toBe(db.entryPage(parseListQuery(new URLSearchParams('limit=500'))).filter((e) => e.id !== 's0:00000000000000ff')[10].id);
    });
  });

  it('hide a copy whose primary is in the result, and show it when the primary is filtered out', async () => {
    await withDb((db) => {
      seed(db, [entry(1), entry(2, { id: 's9:0000000000000002', sourceId: 's9', dupOf: entry(1).id })]);
      const ids = (qs: string) => db.entryPage(parseListQuery(new URLSearchParams(qs))).map((e) => e.id);
      expect(ids('')).toEqual([entry(1).id]);
      expect(ids('source=s9')).toEqual(['s9:0000000000000002']);
      expect(ids('dedupe=false')).toHaveLength(2);
    });
  });

  it('filter by source, category, story and date range', async () => {
    await withDb((db) => {
      seed(db, Array.from({ length: 12 }, (_, i) => entry(i, { storyId: i < 4 ? 'st_x' : `st${i}` })));
      const ids = (qs: string) => db.entryPage(parseListQuery(new URLSearchParams(`limit=500&${qs}`))).map((e) => e.id).sort();
      expect(ids('source=s1')).toEqual(Array.from({ length: 12 }, (_, i) => entry(i)).filter((e) => e.sourceId === 's1').map((e) => e.id).sort());
      expect(ids('category=music')).toEqual(ids('source=s1'));
      expect(ids('story=st_x')).toEqual([0, 1, 2, 3].map((i) => entry(i).id).sort());
      const since = new Date(T - 2 * 60_000).toISOString();
      expect(ids(`since=${since}`)).toEqual([0, 1, 2, 3, 4, 5].map((i) => entry(i).id).sort());
      expect(ids(`until=${since}`)).toHaveLength(6);
    });
  });

  it('search title and summary through FTS5: every word, each as a word prefix, any punctuation taken literally', async () => {
    await withDb((db) => {
      seed(db, [
        entry(1, { title: 'Grammys 2026: the winners', summaryText: 'Beyoncé leads the night' }),
        entry(2, { title: 'Oscars shortlist', summaryText: 'The Grammy-winning composer is on it' }),
        entry(3, { title: 'A "quoted" NEAR miss', summaryText: 'AND OR NOT * ( ) ^ :' }),
      ]);
      const ids = (q: string) => db.entryPage(parseListQuery(new URLSearchParams({ q }))).map((e) => e.id).sort();
      expect(ids('gramm')).toEqual([entry(1).id, entry(2).id].sort());
      expect(ids('grammy composer')).toEqual([entry(2).id]);
      expect(ids('beyonce')).toEqual([entry(1).id]); // diacritics folded
      expect(ids('"quoted" near')).toEqual([entry(3).id]);
      expect(ids('AND')).toEqual([entry(3).id]); // a word, not an operator
      expect(ids('nothing-like-this')).toEqual([]);
      // A "word" with no letter or digit is left out rather than failing the query.
      expect(ids('- grammys')).toEqual([entry(1).id]);
      // Updating a title re-indexes it.
      db.updateEntry({ ...entry(2), title: 'Renamed headline' }, null, ['', '']);
      expect(ids('renamed')).toEqual([entry(2).id]);
    });
  });

  it('quote every word for FTS5', () => {
    expect(ftsQuery(['say "hi"', 'x*'])).toBe('"say ""hi"""* AND "x*"*');
  });

  it('read and delete by IN lists longer than the 100-parameter limit', async () => {
    await withDb((db) => {
      const entries = Array.from({ length: 250 }, (_, i) => entry(i));
      seed(db, entries);
      expect(db.entries(entries.map((e) => e.id))).toHaveLength(250);
      db.deleteEntries(entries.slice(0, 200), null);
      expect(db.totalEntries()).toBe(50);
    });
  });
});

describe('story pages', () => {
  it('list stories with any matching entry, latest update first, keyset-paged', async () => {
    await withDb((db) => {
      seed(db, []);
      for (let i = 0; i < 9; i++) {
        const t = new Date(T - i * 60_000).toISOString();
        db.saveStory({ id: `st${i}`, title: `Story ${i}`, size: 1, sourceIds: [`s${i % 3}`], entryIds: [entry(i).id], leadId: entry(i).id, first: t, updated: t, outlets: 1, momentum: 1, rank: Date.parse(t), seen: t, grownAt: null });
        db.insertEntry(entry(i, { storyId: `st${i}`, published: t }), null, ['', '']);
      }
      const page = (qs: string) => db.storyPage(parseListQuery(new URLSearchParams(qs))).map((s) => s.id);
      expect(page('limit=3')).toEqual(['st0', 'st1', 'st2', 'st3']); // limit + 1: the caller sees there is more
      expect(page('source=s1&limit=10')).toEqual(['st1', 'st4', 'st7']);
      const c = encodeCursor({ t: T - 2 * 60_000, id: 'st2' });
      expect(page(`limit=2&cursor=${c}`)).toEqual(['st3', 'st4', 'st5']);
    });
  });
});
