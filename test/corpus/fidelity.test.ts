/**
 * `npm run test:corpus`, fidelity part (issue 11): every item of every real capture, through
 * Marquee's parse, normalize and RSS/Atom/JSON Feed renderers, against Python feedparser's
 * reading of the source (fidelity.ts says what each field is held to). Prints the per-field
 * agreement table and every disagreement with its reason; fails below 99% in any cell, or on a
 * disagreement nobody has explained. Skipped, with a message, without ../shared/corpus.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIELDS, FORMATS, fidelityReport, runFidelity, type Disagreement, type FidelityResult } from './fidelity';
import { CORPUS } from './scoreboard';

/** Why each remaining disagreement is one; the README lists the same. */
const REASONS: Array<{ capture: RegExp; field: string; items?: number[]; reason: string }> = [
  {
    capture: /^feedjira\/DuplicateContentAtomFeed\.xml$/, field: 'source title',
    reason: 'the Atom feed sits inside an XHTML page; feedparser reads its entries but not its title ("Avian’s Blog"), Marquee reads both',
  },
  {
    capture: /^rowanmanning-sample-feeds\/the-telegraph\/feed\.xml$/, field: 'title', items: [3],
    reason: 'the title ends in a no-break space written as mojibake ("MadridÂ"); Marquee repairs it (normalize/text.ts repairMojibake), feedparser keeps "Â"',
  },
  {
    capture: /^feedjira\/AmazonWebServicesBlog\.xml$/, field: 'image', items: [5],
    reason: 'broken markup `<a href="…"<img src="…">`: a browser (HTML tokenizer, "after attribute value (quoted)" state) reads the <img as attributes of the <a> and shows no image; so does Marquee, feedparser recovers it',
  },
  {
    capture: /^(node-feedparser\/invalid-characters-gzipped\.xml|ranchero-rsparser\/(dcrainmaker\.xml|russcox\.atom))$/, field: 'image',
    reason: "the largest image lies past the first 6,000 characters of the article's text, where Marquee stops reading it (normalize/index.ts FINGERPRINT_TEXT_MAX)",
  },
];

function reasonOf(d: Disagreement): string | null {
  const r = REASONS.find((x) => x.capture.test(d.capture) && x.field === d.field && (!x.items || x.items.includes(d.item)));
  return r?.reason ?? null;
}

const present = existsSync(CORPUS);
if (!present) console.warn(`test:corpus fidelity skipped: ${CORPUS} is absent`);

describe.skipIf(!present)('fidelity: what a reader sees matches the source (issue 11)', () => {
  let result: FidelityResult;

  it('reads every real capture through parse, normalize and the three renderers', async () => {
    result = await runFidelity();
    console.log(fidelityReport(result));
    const reasons = new Map<string, number>();
    for (const d of result.disagreements) {
      const r = reasonOf(d) ?? 'UNEXPLAINED';
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    console.log(`\nfidelity disagreements by reason:\n${[...reasons].map(([r, n]) => `  ${n}  ${r}`).join('\n')}`);
    expect(result.captures).toBeGreaterThan(80);
    expect(result.items).toBeGreaterThan(2000);
  }, 300_000);

  it('agrees on at least 99% of the items in every field and every format', () => {
    for (const field of FIELDS) {
      for (const fmt of FORMATS) {
        const c = result.cells[field][fmt];
        expect(c.total, `${field} ${fmt}`).toBeGreaterThan(500);
        expect(c.agree / c.total, `${field} ${fmt}: ${c.agree}/${c.total}`).toBeGreaterThanOrEqual(0.99);
      }
    }
  });

  it('has a reason for every disagreement', () => {
    expect(result.disagreements.filter((d) => !reasonOf(d)).map((d) => `[${d.format}] ${d.field} ${d.capture} #${d.item}: ${d.detail}`)).toEqual([]);
  });
});
