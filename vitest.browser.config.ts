/**
 * `npm run test:browser`: the XSS test in headless Chromium (test/browser).
 * Files end in .browser.ts so the unit project's test/**\/*.test.ts never picks them up.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'browser',
    include: ['test/browser/xss.browser.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One browser, one page: the vectors run one after another.
    fileParallelism: false,
  },
});
