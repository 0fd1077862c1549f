/**
 * `npm run test:corpus`: the scoreboard over ../shared/corpus (see scoreboard.ts
 * for what each suite compares). It prints every suite's numbers and every
 * disagreement, and fails below the issue's targets: 98% of real captures with
 * every item's title, link and date right, and 90% of the feedparser cases that
 * concern a modeled field. Skipped, with a message, when the corpus is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveUrl } from '../../src/normalize/url';
import { feedparserSuite } from './feedparser';
import { CORPUS, FEEDS, report, runOurs, summarize, walk, type SuiteResult } from './scoreboard';
import { feedRsSuite, feedsmithSuite, realSuite, rowanmanningSuite, rssParserSuite } from './suites';

const present = existsSync(CORPUS);
if (!present) console.warn(`test:corpus skipped: ${CORPUS} is absent`);

describe.skipIf(!present)('corpus scoreboard', () => {
  const suites: SuiteResult[] = [];
  const suite = (name: string) => suites.find((s) => s.name === name)!;

  beforeAll(async () => {
    suites.push(await realSuite(), await realSuite({ overrides: false }), await rowanmanningSuite(), await rssParserSuite(), await feedRsSuite(),
      await feedsmithSuite(), await feedparserSuite());
    console.log(report(suites));
    const excluded = suite('feedparser').cases.filter((c) => c.status === 'excluded');
    const why = new Map<string, number>();
    for (const c of excluded) why.set(c.reasons[0], (why.get(c.reasons[0]) ?? 0) + 1);
    console.log(`\nfeedparser cases excluded (they compare nothing Marquee models):\n${[...why].sort((a, b) => b[1] - a[1]).map(([r, n]) => `  ${n}  ${r}`).join('\n')}`);
  }, 120_000);

  it('gets every item of at least 98% of the real captures right (title, link, date)', () => {
    const { agree, compared } = summarize(suite('real'));
    expect(compared).toBeGreaterThan(50);
    expect(agree / compared).toBeGreaterThanOrEqual(0.98);
  });

  it('reports the real captures without reference/overrides.json too: the overrides decide the 98% gate', () => {
    const withOverrides = summarize(suite('real'));
    const without = summarize(suite('real, no overrides'));
    console.log(`real captures: ${withOverrides.agree}/${withOverrides.compared} with overrides, ${without.agree}/${without.compared} without`);
    expect(without.compared).toBe(withOverrides.compared);
    // The overrides replace the general-purpose reference for two captures; they can only change those two.
    expect(withOverrides.agree - without.agree).toBeLessThanOrEqual(2);
  });

  it('refuses the HTML pages and OPML lists among the captures with a coded error', async () => {
    const others = walk(join(FEEDS, 'real')).filter((p) => /\.(html|opml)$/.test(p));
    expect(others.length).toBeGreaterThan(5);
    for (const path of others) {
      const ours = await runOurs(new Uint8Array(readFileSync(path)), null, 'http://corpus.test/page');
      expect(ours.ok ? 'parsed' : ours.code, path).toBe(path.endsWith('.html') ? 'NOT_A_FEED' : 'UNSUPPORTED_FORMAT');
    }
  });

  it("resolveUrl's fast path gives what WHATWG URL gives, for every absolute URL in the corpus", () => {
    const urls = new Set<string>();
    for (const path of walk(FEEDS)) {
      for (const m of readFileSync(path, 'latin1').matchAll(/https?:\/\/[^\s"'<>)\]\\]+/g)) urls.add(m[0].replace(/&amp;/g, '&'));
    }
    expect(urls.size).toBeGreaterThan(10_000);
    const wrong = [...urls].filter((u) => {
      let expected: string | null;
      try {
        expected = new URL(u).href;
      } catch {
        expected = null;
      }
      return resolveUrl(u) !== expected;
    });
    expect(wrong).toEqual([]);
  });

  it('agrees with at least 90% of the feedparser cases that concern a modeled field', () => {
    const { agree, compared } = summarize(suite('feedparser'));
    expect(compared).toBeGreaterThan(300);
    expect(agree / compared).toBeGreaterThanOrEqual(0.9);
  });
});
