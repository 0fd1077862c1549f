/**
 * The sanitizer Marquee chose (pure JS, not HTMLRewriter: the measurement is
 * bench/sanitizer.bench.ts, `npm run bench -- sanitizer`) runs in workerd in
 * production and is tested in Node. This checks that the two runtimes give the
 * same result: inside workerd, every UTF-8 fixture feed is parsed and
 * normalized (which sanitizes every summary and content) and must equal its
 * golden file, which test/parse/golden.test.ts checks in Node. A difference
 * in URL parsing, entity decoding or regular expressions between the runtimes
 * would show here.
 */
/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { normalizeFeed } from '../../src/normalize/index';
import { parseFeedText } from '../../src/parse/index';

const feeds = import.meta.glob('../fixtures/feeds/*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const goldens = import.meta.glob('../fixtures/golden/*.json', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
// The legacy-charset fixtures are not UTF-8, so ?raw cannot read them; they are left out.
const LEGACY = /kc0011|iso-8859|utf-16|windows-1252/;
const NOW = new Date('2026-11-26T08:00:00Z');

describe('the sanitizer and normalize give in workerd what they give in Node', () => {
  const files = Object.keys(feeds).filter((p) => !LEGACY.test(p));

  it('covers the UTF-8 fixtures', () => {
    expect(files.length).toBeGreaterThan(12);
  });

  it.each(files.map((p) => [p.split('/').pop()!, p]))('%s equals its golden', (file, path) => {
    const golden = JSON.parse(goldens[`../fixtures/golden/${file}.json`]) as { title: string | null; entries: unknown[] };
    const { feed } = parseFeedText(feeds[path]);
    const feedUrl = `http://fixtures.test/feeds/${file}`;
    const entries = normalizeFeed(feed, { source: { id: 'src', url: feedUrl, title: null, home_page_url: null, category: null }, feedUrl, now: NOW });
    expect(feed.title).toBe(golden.title);
    expect(entries.map(({ fullText, ...e }) => ({ ...e, fullTextChars: fullText.length }))).toEqual(golden.entries);
  });
});
