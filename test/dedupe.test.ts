/**
 * Duplicate rules on real pairs: the seed spun article (a real content-farm
 * rewrite of an Entertainment Tonight story) against its reconstructed
 * original, syndicated copies, and articles by different outlets about the
 * same event that must stay separate articles.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuplicateIndex, fingerprintOf, sameText, sequenceSimilarity } from '../src/dedupe';
import { tokenId, words } from '../src/features';
import type { StoredEntry } from '../src/model';

const FIX = join(__dirname, 'fixtures', 'grouping');
const spun = readFileSync(join(FIX, 'seed-spun-article.txt'), 'utf8');
const original = readFileSync(join(FIX, 'seed-original-reconstructed.txt'), 'utf8');

function entry(id: string, sourceId: string, title: string, text: string, published = '2026-02-12T10:00:00Z'): StoredEntry & { fullText: string } {
  return {
    id, sourceId, guid: null, url: `https://${sourceId}.example/${id}`, originalUrl: null, title, summaryText: text.slice(0, 400), image: null,
    authors: [], categories: [], language: 'en', published, updated: null, dateInferred: null, dateOriginal: null, firstSeen: published,
    contentHash: '0'.repeat(16), dupOf: null, storyId: `st_${id}`, fullText: text,
  };
}

describe('near-duplicate text', () => {
  it('matches the seed spun article with its original, both ways', () => {
    const a = fingerprintOf(spun)!;
    const b = fingerprintOf(original)!;
    expect(sameText(a, b)).toBe(true);
    const idx = new DuplicateIndex([], null);
    const orig = entry('orig', 'et', "The Tragic Reason Enrique Iglesias Really Cried in 'Hero' Music Video", original);
    idx.add(orig);
    const copy = entry('spun', 'farm', "The Tragic Motive Enrique Iglesias Actually Cries in 'Hero' MV", spun, '2026-02-14T10:00:00Z');
    expect(idx.match(copy)).toEqual({ primaryId: 'orig', reason: 'text' });
  });

  it('keeps different articles about the same event apart (same names, different writing)', () => {
    // Two real reports of one event, written independently (BBC and Guardian style), sharing names and facts.
    const bbc = 'Will Smith has resigned from the Academy of Motion Picture Arts and Sciences after he slapped comedian Chris Rock at the Oscars ceremony last week. In a statement, the actor said he had betrayed the trust of the Academy and would accept any further consequences. The Academy said it would continue disciplinary proceedings against him.';
    const guardian = 'The actor Will Smith said on Friday he was quitting the Academy, the body behind the Oscars, days after striking Chris Rock on stage during the ceremony. Smith called his behaviour shocking, painful and inexcusable, and said he would accept whatever the organisation decided. Academy president David Rubin said the resignation had been accepted.';
    expect(sameText(fingerprintOf(bbc)!, fingerprintOf(guardian)!)).toBe(false);
    const idx = new DuplicateIndex([], null);
    idx.add(entry('a', 'bbc', 'Will Smith resigns from Academy over Oscars slap', bbc));
    expect(idx.match(entry('b', 'guardian', 'Will Smith quits Academy after slapping Chris Rock', guardian))).toBeNull();
  });

  it('merges a spun headline + summary by word order when the text is short', () => {
    const orig = entry('o', 'bbc', "Russian MP says Putin's plan for Ukraine hasn't been shared with their parliament", 'Maria Butina says Putin\'s plan wasn\'t shared with MPs, but the campaign is going "according to plan".');
    const copy = entry('c', 'farm', "Russian MP states Putin's scheme for Ukraine hasn't been shared with their parliament", 'Maria Butina states Putin\'s scheme wasn\'t shared with MPs, however the campaign is going "according to scheme".', '2026-02-16T10:00:00Z');
    const seq = (e: StoredEntry) => words(`${e.title} ${e.summaryText}`).map((w) => tokenId(w.toLowerCase()));
    expect(sequenceSimilarity(seq(orig), seq(copy))).toBeGreaterThan(0.7);
    const idx = new DuplicateIndex([], null);
    idx.add(orig);
    expect(idx.match(copy)).toEqual({ primaryId: 'o', reason: 'sequence' });
  });

  it('never merges entries of the same source, and merges a shared canonical URL across sources', () => {
    const idx = new DuplicateIndex([], null);
    const a = entry('a', 'src1', 'Same story', original);
    idx.add(a);
    expect(idx.match({ ...entry('a2', 'src1', 'Same story', original) })).toBeNull();
    const viaUrl = { ...entry('b', 'src2', 'Different headline entirely', 'short'), url: 'http://src1.example/a/' };
    expect(idx.match(viaUrl)).toEqual({ primaryId: 'a', reason: 'url' });
  });

  it('treats a near-identical wire headline without summaries as a copy only within two days', () => {
    const idx = new DuplicateIndex([], null);
    idx.add(entry('a', 'ap', 'Fed official says weak data caused by weather', ''));
    expect(idx.match(entry('b', 'yahoo', 'Fed official says weak data caused by weather', '', '2026-02-13T09:00:00Z'))?.reason).toBe('title');
    expect(idx.match(entry('c', 'yahoo', 'Fed official says weak data caused by weather', '', '2026-02-20T09:00:00Z'))).toBeNull();
  });

  it('survives a state round trip through JSON (what groups:v1 stores)', () => {
    const a = entry('orig', 'et', 'The Tragic Reason Enrique Iglesias Really Cried', original);
    const idx = new DuplicateIndex([], null);
    idx.add(a);
    const state = JSON.parse(JSON.stringify(idx.state(['orig'])));
    const reloaded = new DuplicateIndex([a], state);
    expect(reloaded.match(entry('spun', 'farm', 'The Tragic Motive Enrique Iglesias Actually Cries', spun))?.primaryId).toBe('orig');
    expect(JSON.stringify(state).length).toBeLessThan(700);
  });
});
