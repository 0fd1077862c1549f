/**
 * Golden tests: every committed fixture feed is parsed and normalized, and the
 * result is compared with test/fixtures/golden/<file>.json. `UPDATE_GOLDEN=1
 * npm test` rewrites the expectations; review the diff before committing it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeFeed } from '../../src/normalize/index';
import { parseFeedBody } from '../../src/parse/index';

const FEEDS = join(__dirname, '..', 'fixtures', 'feeds');
const GOLDEN = join(__dirname, '..', 'fixtures', 'golden');
const NOW = new Date('2026-11-26T08:00:00Z');
const update = process.env.UPDATE_GOLDEN === '1';

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
      if (update || !existsSync(path)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(path, `${JSON.stringify(actual, null, 1)}\n`);
      }
      expect(actual).toEqual(JSON.parse(readFileSync(path, 'utf8')));
    });
  }
});
