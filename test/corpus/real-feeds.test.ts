/**
 * The extended suite over ../shared/corpus (npm run test:corpus). Skipped, with
 * a message, when the corpus is not beside the checkout.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeFeed } from '../../src/normalize/index';
import { parseFeedBody } from '../../src/parse/index';

export const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
const REAL = join(CORPUS, 'feeds', 'real');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const present = existsSync(REAL);
if (!present) console.warn(`test:corpus skipped: ${CORPUS} is absent`);

describe.skipIf(!present)('real captured feeds', () => {
  it('parse and normalize (failures listed with their codes)', () => {
    const feeds = files(REAL).filter((f) => /\.(xml|rss|atom|rdf|json)$/.test(f) && !/expected\./.test(f));
    const failures: string[] = [];
    for (const path of feeds) {
      try {
        const { feed } = parseFeedBody(new Uint8Array(readFileSync(path)), null);
        const entries = normalizeFeed(feed, { source: { id: 's', url: 'http://corpus.test/feed', title: null, home_page_url: null, category: null }, feedUrl: 'http://corpus.test/feed', now: new Date('2026-11-26T08:00:00Z') });
        if (!entries.length || entries.some((e) => !e.title)) failures.push(`${path.slice(REAL.length + 1)}: no entries or an empty title`);
      } catch (err) {
        failures.push(`${path.slice(REAL.length + 1)}: ${(err as { code?: string }).code ?? 'ERROR'} ${(err as Error).message}`);
      }
    }
    console.log(`real feeds: ${feeds.length - failures.length}/${feeds.length} parse\n  ${failures.join('\n  ')}`);
    expect((feeds.length - failures.length) / feeds.length).toBeGreaterThanOrEqual(0.95);
  });
});
