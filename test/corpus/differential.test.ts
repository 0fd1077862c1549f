/**
 * `npm run test:corpus`: the hand-written parsers against conforming libraries
 * on every document of ../shared/corpus (skipped, with a message, when it is
 * absent). The generated-input halves of the same checks run in `npm test`
 * (test/normalize/*.fuzz.test.ts, test/parse/xml.fuzz.test.ts).
 *
 *  - readXml against saxes on every document saxes accepts as well-formed;
 *  - tokenizeHtml against parse5's tokenizer on every summary and content;
 *  - the sanitizer's output on every summary and content: a fixed point of
 *    parse5, allow-listed, and nothing for js-xss to remove;
 *  - every document cut at seeded points and with flipped bytes: parsing
 *    throws nothing but a coded FeedError.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeedError } from '../../src/errors';
import { decodeBody, decodeTransport, parseFeedBody, parseFeedText } from '../../src/parse/index';
import type { ParsedFeed } from '../../src/model';
import { FUZZ_SCALE, FUZZ_TIMEOUT, Rng, mutate, seedFor } from '../support/fuzz';
import { sanitizerViolation } from '../support/html-oracles';
import { DELIBERATE, disagreement } from '../support/tokenizer-oracle';
import { walkFiles } from '../support/walk';
import { xmlDisagreement } from '../support/xml-oracle';
import { CORPUS, FEEDS } from './scoreboard';

const present = existsSync(CORPUS);
if (!present) console.warn(`test:corpus differential suites skipped: ${CORPUS} is absent`);

interface Doc {
  path: string;
  text: string;
  feed: ParsedFeed | null;
}

async function loadCorpus(): Promise<Doc[]> {
  const docs: Doc[] = [];
  for (const path of walkFiles(FEEDS)) {
    const bytes = await decodeTransport(new Uint8Array(readFileSync(path))).catch(() => null);
    if (!bytes || !bytes.length) continue;
    const text = decodeBody(bytes, null).text;
    let feed: ParsedFeed | null = null;
    try {
      feed = parseFeedBody(bytes, null).feed;
    } catch {
      // not a feed (HTML pages, OPML, broken cases): still read by the XML comparison
    }
    docs.push({ path: relative(FEEDS, path), text, feed });
  }
  return docs;
}

const fragments = (docs: Doc[]) => docs.flatMap((d) => (d.feed?.items ?? []).flatMap((it) => [it.summary, it.content].filter((h): h is string => !!h).map((html) => ({ path: d.path, html }))));

describe.skipIf(!present)('differential suites over ../shared/corpus', () => {
  let docs: Doc[] = [];
  beforeAll(async () => {
    docs = await loadCorpus();
  }, 120_000);

  it('readXml agrees with saxes on every well-formed document', () => {
    let compared = 0;
    const bad: string[] = [];
    for (const d of docs) {
      if (!d.text.trimStart().startsWith('<')) continue;
      const r = xmlDisagreement(d.text);
      if (r === 'skipped') continue;
      compared++;
      if (r) bad.push(`${d.path}: ${r}`);
    }
    console.log(`readXml vs saxes: ${compared} of ${docs.length} corpus documents well-formed and compared, ${bad.length} disagree`);
    expect(compared).toBeGreaterThan(300);
    expect(bad).toEqual([]);
  });

  it('tokenizeHtml agrees with parse5 on every summary and content', () => {
    const all = fragments(docs);
    const compared = all.filter((f) => !DELIBERATE.test(f.html));
    const bad = compared.map((f) => [f.path, disagreement(f.html)] as const).filter(([, d]) => d).map(([p, d]) => `${p}: ${d}`);
    console.log(`tokenizer vs parse5: ${compared.length} of ${all.length} corpus fragments compared (the rest hold noscript/svg/math), ${bad.length} disagree`);
    expect(all.length).toBeGreaterThan(3000);
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('the sanitizer output of every summary and content is a parse5 fixed point that js-xss finds clean', () => {
    const all = fragments(docs);
    const bad = all.map((f) => [f.path, sanitizerViolation(f.html, { base: 'https://example.test/dir/page.html' })] as const)
      .filter(([, d]) => d).map(([p, d]) => `${p}: ${d}`);
    console.log(`sanitizer judged by parse5 and js-xss: ${all.length} corpus fragments, ${bad.length} failures`);
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it(`every document cut and flipped (${4 * FUZZ_SCALE} mutants each) parses or fails with a coded FeedError`, () => {
    const r = new Rng(seedFor('corpus-mutations'));
    let mutants = 0;
    const bad: string[] = [];
    for (const d of docs) {
      for (let k = 0; k < 4 * FUZZ_SCALE; k++) {
        const m = mutate(r, d.text);
        mutants++;
        try {
          parseFeedText(m);
        } catch (err) {
          if (!(err instanceof FeedError) && bad.length < 5) bad.push(`${d.path} (mutant ${k}): ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
        }
      }
    }
    console.log(`corpus mutants: ${mutants} parsed, ${bad.length} uncoded errors`);
    expect(bad).toEqual([]);
  }, FUZZ_TIMEOUT * 5);
});
