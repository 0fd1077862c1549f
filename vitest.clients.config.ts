/**
 * `npm run test:clients`: real clients against a real `wrangler dev`.
 *
 * test/clients/global-setup.ts starts the fixture feed server and Marquee under
 * `wrangler dev` on free ports, seeds it through the admin API and stops both
 * afterwards. The suites then read it over HTTP with Python's feedparser
 * (Debian python3-feedparser), newsboat (Debian), a JSON Schema validator, and
 * headless Chromium (Debian chromium through playwright-core). They need those
 * Debian packages; .ci/run installs them.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'clients',
    // The page test needs the wrangler dev this config's global setup starts; the XSS test does not.
    include: ['test/clients/**/*.client.ts', 'test/browser/page.browser.ts'],
    environment: 'node',
    globalSetup: ['test/clients/global-setup.ts'],
    // One wrangler dev on two shared cores: one file at a time.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
