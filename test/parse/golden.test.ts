/**
 * Golden tests: every committed fixture feed is parsed and normalized, and the
 * result is compared with test/fixtures/golden/<file>.json. `UPDATE_GOLDEN=1
 * npm test` rewrites the expectations (and writes a missing one); review the
 * diff before committing it. A missing golden is never written silently: without
 * UPDATE_GOLDEN the test fails, and under CI=true it fails even with it (CI
 * must compare with what was reviewed, not with what it just wrote).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeFeed } from '../../src/normalize/index';
import { parseFeedBody } from '../../src/parse/index';

const FEEDS = join(__dirname, '..', 'fixtures', 'feeds');
const GOLDEN = join(__dirname, '..', 'fixtures', 'golden');
const NOW = new Date('2026-11-26T08:00:00Z');
const ci = process.env.CI === 'true' || process.env.CI === '1';
const update = process.env.UPDATE_GOLDEN === '1' && !ci;

describe('golden: parse + normalize over the committed fixtures', () => {
  for (const file of readdirSync(FEEDS).sort()) {
    it(file, () => {
      const bytes = new Uint8Array(readFileSync(join(FEEDS, file)));
      const { feed, encoding, repaired } = parseFeedBody(bytes, null);
      const feedUrl = `http://fixtures.test/feeds/${file}`;
      const entries = normalizeFeed(feed, { source: { id: 'src', url: feedUrl, title: null, home_page_url: null, category: null }, feedUrl, now: NOW });
      const actual = {
        format: feed.format,
        version: feed.version,
        encoding,
        repaired,
        title: feed.title,
        link: feed.link,
        entries: entries.map(({ fullText, ...e }) => ({ ...e, fullTextChars: fullText.length })),
      };
      const path = join(GOLDEN, `${file}.json`);
      if (update) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(path, `${JSON.stringify(actual, null, 1)}\n`);
      }
      if (!existsSync(path)) {
        throw new Error(`${path} is missing: run UPDATE_GOLDEN=1 npm test (outside CI) and review the new file${ci ? '; CI never writes goldens' : ''}`);
      }
      expect(actual).toEqual(JSON.parse(readFileSync(path, 'utf8')));
    });
  }
});
