/**
 * The story record (src/catalog.ts storyOf) and what a story shows of its
 * lead article (src/render/stories.ts storyLead): headline, link, summary and
 * image all come from one article, on real items.
 */
import { describe, expect, it } from 'vitest';
import { storyOf } from '../src/catalog';
import type { StoredEntry } from '../src/model';
import { storyLead, storyModified } from '../src/render/stories';
import { REAL_ITEMS, byId } from './support/real-events';

function stored(id: string, over: Partial<StoredEntry> = {}): StoredEntry {
  const it = byId(id);
  const sourceId = it.source.toLowerCase().replace(/\W+/g, '-');
  return {
    id: `${sourceId}:${id}`, sourceId, guid: id, url: it.link, originalUrl: it.link, title: it.title, summaryText: it.summary, image: null,
    authors: [], categories: [], language: null, published: new Date(it.published).toISOString(), updated: null, dateInferred: null,
    dateOriginal: null, firstSeen: '2022-04-05T22:00:00.000Z', contentHash: id, dupOf: null, storyId: 'st_x', ...over,
  };
}

describe('storyOf', () => {
  it('leads with the most central headline, and counts outlets, momentum and the newest first-seen time', () => {
    const members = [stored('d185'), stored('d208'), stored('d388', { firstSeen: '2022-04-05T23:00:00.000Z' })];
    const s = storyOf('st_x', members)!;
    // The Telegraph's "Elon Musk to join Twitter board" and the NYT's "Elon Musk Joins Twitter Board"
    // share as many words with the others (elon, musk, twitter, board); the tie goes to the earlier.
    expect(s.leadId).toBe('the-telegraph:d208');
    expect(s.title).toBe('Elon Musk to join Twitter board');
    expect(s).toMatchObject({ size: 3, outlets: 3, first: '2022-04-05T12:49:01.000Z', updated: '2022-04-05T19:17:40.000Z', seen: '2022-04-05T23:00:00.000Z', grownAt: null });
    expect(s.entryIds).toEqual(['the-new-york-times:d388', 'the-telegraph:d208', 'huffpost:d185']);
  });

  it('leads with the earliest report when there are one or two members, and is the same in any order', () => {
    const a = storyOf('st_x', [stored('d203'), stored('d105')])!;
    const b = storyOf('st_x', [stored('d105'), stored('d203')])!;
    expect(a.leadId).toBe('sky-news:d105');
    expect(b).toEqual(a);
  });

  it('carries the time its coverage last grew, and that moves the story feeds\' updated', () => {
    const s = storyOf('st_x', [stored('d105'), stored('d160')], '2022-04-06T09:00:00.000Z')!;
    expect(s.grownAt).toBe('2022-04-06T09:00:00.000Z');
    expect(storyModified(s)).toBe('2022-04-06T09:00:00.000Z');
    expect(storyModified({ ...s, grownAt: null })).toBe(s.updated);
  });

  it('has no story without a primary', () => {
    expect(storyOf('st_x', [])).toBeNull();
  });
});

describe('storyLead: one article, never a mix', () => {
  it('takes headline, link, summary and image from the lead only, even when another member has an image and the lead has none', () => {
    const withImage = stored('d160', { image: 'https://i.example/telegraph.jpg', summaryText: 'Telegraph summary' });
    const lead = stored('d105');
    const s = storyOf('st_x', [withImage, lead])!;
    expect(s.leadId).toBe(lead.id);
    const byIdMap = new Map([withImage, lead].map((e) => [e.id, e]));
    expect(storyLead(s, byIdMap)).toEqual({ entry: lead, title: lead.title, url: lead.url, summary: lead.summaryText, image: null });
  });

  it('every real item can lead its own story coherently', () => {
    for (const it of REAL_ITEMS) {
      const e = stored(it.id, { image: `https://i.example/${it.id}.jpg` });
      const l = storyLead(storyOf('st_x', [e])!, new Map([[e.id, e]]));
      expect([l.title, l.url, l.summary, l.image]).toEqual([e.title, e.url, e.summaryText, e.image]);
    }
  });
});
