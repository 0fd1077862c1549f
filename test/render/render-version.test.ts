/**
 * RENDER_VERSION is part of every ETag and Cache API key, and pre-rendered views
 * of another version are not served. It only protects readers if it changes
 * whenever the output does, so this test fingerprints the output of every
 * renderer on a fixed catalog and fails when the fingerprint moves while the
 * version stays. After a deliberate output change: bump RENDER_VERSION in
 * src/render/index.ts, then `UPDATE_GOLDEN=1 npm test` records the new pair.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY, RENDER_VERSION, renderDefaultViewSet } from '../../src/render/index';
import { renderOpml } from '../../src/render/opml';
import { SOURCES, fixtureEntryBundle, fixtureStoryBundle } from './catalog-fixture';

const FILE = join(__dirname, 'render-version.json');

function fingerprint(): string {
  const views = renderDefaultViewSet(fixtureEntryBundle(DEFAULT_QUERY), fixtureStoryBundle(DEFAULT_QUERY), { base: 'https://marquee.invalid', ttlMinutes: 15 });
  const opml = renderOpml(Object.values(SOURCES).map((s) => ({ id: s.id, url: s.feed_url, title: s.title, home_page_url: s.home_page_url, category: s.category })), 'https://marquee.invalid', '2026-11-26T12:00:00.000Z');
  const h = createHash('sha256');
  for (const [fmt, body] of Object.entries(views).sort()) h.update(`${fmt}\n${body}\n`);
  h.update(opml);
  return h.digest('hex');
}

describe('RENDER_VERSION', () => {
  it('changes whenever any renderer output changes', () => {
    const now = { renderVersion: RENDER_VERSION, fingerprint: fingerprint() };
    const recorded = existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as typeof now) : null;
    if (process.env.UPDATE_GOLDEN && (!recorded || recorded.renderVersion !== now.renderVersion || recorded.fingerprint === now.fingerprint)) {
      writeFileSync(FILE, `${JSON.stringify(now, null, 2)}\n`);
      return;
    }
    if (!recorded) throw new Error(`${FILE} is missing: run UPDATE_GOLDEN=1 npm test`);
    if (recorded.fingerprint !== now.fingerprint && recorded.renderVersion === now.renderVersion) {
      throw new Error(`renderer output changed but RENDER_VERSION is still ${RENDER_VERSION}: bump it in src/render/index.ts, then run UPDATE_GOLDEN=1 npm test`);
    }
    expect(now).toEqual(recorded);
  });
});
