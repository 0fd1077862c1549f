/**
 * Duplicate rules on real text: the seed spun article (a real content-farm
 * rewrite of an Entertainment Tonight story) against its reconstructed
 * original; items of the real-feed dev set (test/fixtures/eval/real-dev.jsonl)
 * re-published by their own outlet under a new URL, domain or slug, the way
 * feeds re-issue articles; and reports of one event by different outlets,
 * which are a story, never copies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReal } from '../scripts/eval/data';
import { DuplicateIndex, fingerprintOf, sameText, sequenceSimilarity, urlParts } from '../src/dedupe';
import { tokenId, words } from '../src/features';
import { MemoryGroupingState } from '../src/grouping-state';

const FIX = join(__dirname, 'fixtures', 'grouping');
const spun = readFileSync(join(FIX, 'seed-spun-article.txt'), 'utf8');
const original = readFileSync(join(FIX, 'seed-original-reconstructed.txt'), 'utf8');

interface Item { id: string; sourceId: string; url: string | null; title: string; summaryText: string; published: string; fullText?: string }

function entry(id: string, sourceId: string, title: string, text: string, published = '2026-02-12T10:00:00Z'): Item {
  return { id, sourceId, url: `https://${sourceId}.example/${id}`, title, summaryText: text.slice(0, 400), published, fullText: text };
}

const dev = loadReal().items;
/** A dev-set item as its feed gave it (summary as text; no full content in these feeds). */
function devItem(titleStart: string, id = titleStart): Item {
  const it = dev.find((x) => x.title.startsWith(titleStart));
  if (!it) throw new Error(`no dev item ${titleStart}`);
  return { id, sourceId: it.feed, url: it.url, title: it.title, summaryText: it.summary, published: new Date(it.time).toISOString(), fullText: it.summary };
}
const later = (e: Item, hours: number): string => new Date(Date.parse(e.published) + hours * 3_600_000).toISOString();
const index = () => new DuplicateIndex(new MemoryGroupingState());

describe('copies of the same text', () => {
  it('matches the seed spun article with its original, both ways', () => {
    expect(sameText(fingerprintOf(spun)!, fingerprintOf(original)!)).toBe(true);
    const idx = index();
    idx.add(entry('orig', 'et', "The Tragic Reason Enrique Iglesias Really Cried in 'Hero' Music Video", original));
    const copy = entry('spun', 'farm', "The Tragic Motive Enrique Iglesias Actually Cries in 'Hero' MV", spun, '2026-02-14T10:00:00Z');
    expect(idx.match(copy)).toMatchObject({ primaryId: 'orig', rule: 'text' });
  });

  it('merges a spun headline + summary by word order when the text is short', () => {
    const orig = entry('o', 'bbc', "Russian MP says Putin's plan for Ukraine hasn't been shared with their parliament", 'Maria Butina says Putin\'s plan wasn\'t shared with MPs, but the campaign is going "according to plan".');
    const copy = entry('c', 'farm', "Russian MP states Putin's scheme for Ukraine hasn't been shared with their parliament", 'Maria Butina states Putin\'s scheme wasn\'t shared with MPs, however the campaign is going "according to scheme".', '2026-02-16T10:00:00Z');
    const seq = (e: Item) => words(`${e.title} ${e.summaryText}`).map((w) => tokenId(w.toLowerCase()));
    expect(sequenceSimilarity(seq(orig), seq(copy))).toBeGreaterThan(0.7);
    const idx = index();
    idx.add(orig);
    expect(idx.match(copy)).toMatchObject({ primaryId: 'o', rule: 'sequence' });
  });

  it('merges a shared canonical URL, from any source', () => {
    const idx = index();
    idx.add(entry('a', 'src1', 'Same story', original));
    expect(idx.match({ ...entry('b', 'src2', 'Different headline entirely', 'short'), url: 'http://src1.example/a/' })).toMatchObject({ primaryId: 'a', rule: 'url' });
  });

  it('finds a copy of an entry re-recorded from the catalog with its stored fingerprint', () => {
    const a = entry('orig', 'et', 'The Tragic Reason Enrique Iglesias Really Cried', original);
    const state = new MemoryGroupingState();
    new DuplicateIndex(state).add(a);
    const fp = state.get('orig')!.fp;
    expect(JSON.stringify(fp).length).toBeLessThan(700);
    const reloaded = new MemoryGroupingState();
    // The catalog keeps no full text: the stored fingerprint stands in for it.
    new DuplicateIndex(reloaded).rememberAll([{ ...a, fullText: undefined }], { orig: fp });
    expect(new DuplicateIndex(reloaded).match(entry('spun', 'farm', 'The Tragic Motive Enrique Iglesias Actually Cries', spun))?.primaryId).toBe('orig');
  });
});

describe('the same outlet re-publishing', () => {
  it('merges an article re-issued under a new URL (a deal post re-issued the next day)', () => {
    const deal = devItem('Deals: Get $49 Off Apple Watch SE');
    const idx = index();
    idx.add(deal);
    const again = { ...deal, id: 'again', url: 'https://www.macrumors.com/2022/04/06/apple-watch-se-gold-box-deal/', published: later(deal, 20) };
    expect(idx.match(again)?.primaryId).toBe(deal.id);
  });

  it('merges a headline moved to the outlet\'s other domain, with no summary to compare', () => {
    const telegraph = devItem('Elon Musk to join Twitter board');
    expect(telegraph.summaryText).toBe('');
    const idx = index();
    idx.add(telegraph);
    const moved = { ...telegraph, id: 'moved', sourceId: 'telegraph-com', url: telegraph.url!.replace('www.telegraph.co.uk', 'www.telegraph.com'), published: later(telegraph, 2) };
    expect(urlParts(moved.url).outlet).toBe(urlParts(telegraph.url).outlet);
    expect(idx.match(moved)).toMatchObject({ primaryId: telegraph.id, rule: 'republished' });
  });

  it('merges a slug change with an edited headline when the summary is the same', () => {
    const ft = devItem('Twitter appoints Elon Musk to board');
    const idx = index();
    idx.add(ft);
    const edited = { ...ft, id: 'edited', title: 'Twitter appoints Elon Musk to its board', url: `${ft.url}-updated`, published: later(ft, 1) };
    expect(idx.match(edited)?.primaryId).toBe(ft.id);
  });

  it('keeps apart two items of one series that differ by a word or a number', () => {
    const idx = index();
    const local = devItem('Local Elections 2022: What is up for election');
    idx.add(local);
    expect(idx.match(devItem('London local elections 2022'))).toBeNull();
    const anticipated = { id: 'p1', sourceId: 'pitchfork', url: 'https://pitchfork.com/features/lists-and-guides/the-most-anticipated-albums-of-2024/', title: '[Lists & Guides] The 50 Most Anticipated Albums of 2024', summaryText: '', published: '2025-11-08T23:29:21Z' };
    idx.add(anticipated);
    expect(idx.match({ ...anticipated, id: 'p2', url: 'https://pitchfork.com/features/lists-and-guides/the-most-anticipated-albums-of-spring-2024/', title: '[Lists & Guides] The 50 Most Anticipated Albums of Spring 2024' })).toBeNull();
    expect(idx.match({ ...anticipated, id: 'p3', url: 'https://pitchfork.com/features/lists-and-guides/the-most-anticipated-albums-of-2025/', title: '[Lists & Guides] The 50 Most Anticipated Albums of 2025' })).toBeNull();
  });
});

describe('reports of one event by different outlets', () => {
  it('are never copies on headlines alone: the Telegraph and the NYT on Musk joining the board', () => {
    const idx = index();
    const telegraph = devItem('Elon Musk to join Twitter board');
    idx.add(telegraph);
    expect(idx.match(devItem('Elon Musk Joins Twitter Board'))).toBeNull();
    // Nor the other way round, nor with the headlines made identical.
    const idx2 = index();
    idx2.add(devItem('Elon Musk Joins Twitter Board'));
    expect(idx2.match(telegraph)).toBeNull();
    expect(idx2.match({ ...telegraph, title: 'Elon Musk Joins Twitter Board' })).toBeNull();
  });

  it('are not copies when written independently, though they share names and facts', () => {
    const bbc = 'Will Smith has resigned from the Academy of Motion Picture Arts and Sciences after he slapped comedian Chris Rock at the Oscars ceremony last week. In a statement, the actor said he had betrayed the trust of the Academy and would accept any further consequences. The Academy said it would continue disciplinary proceedings against him.';
    const guardian = 'The actor Will Smith said on Friday he was quitting the Academy, the body behind the Oscars, days after striking Chris Rock on stage during the ceremony. Smith called his behaviour shocking, painful and inexcusable, and said he would accept whatever the organisation decided. Academy president David Rubin said the resignation had been accepted.';
    expect(sameText(fingerprintOf(bbc)!, fingerprintOf(guardian)!)).toBe(false);
    const idx = index();
    idx.add(entry('a', 'bbc', 'Will Smith resigns from Academy over Oscars slap', bbc));
    expect(idx.match(entry('b', 'guardian', 'Will Smith quits Academy after slapping Chris Rock', guardian))).toBeNull();
  });

  it('are not copies across the whole dev set: no two items of different events merge', () => {
    const idx = index();
    let merged = 0;
    const items = dev.map((it, i) => ({ id: `d${i}`, sourceId: it.feed, url: it.url, title: it.title, summaryText: it.summary, published: new Date(it.time).toISOString(), fullText: it.summary, label: it.label }));
    const label = new Map(items.map((e) => [e.id, e.label]));
    for (const e of [...items].sort((a, b) => (a.published < b.published ? -1 : 1))) {
      const m = idx.match(e);
      if (m) {
        merged++;
        expect(label.get(m.primaryId), e.title).toBe(e.label);
      }
      idx.add({ ...e, dupOf: m?.primaryId ?? null });
    }
    // The dev set has no re-publications; the three merges are one outlet's two feeds or
    // syndicated copies of one report.
    expect(merged).toBeLessThanOrEqual(3);
  });
});
