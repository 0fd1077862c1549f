/** `npm run test:corpus`: the extended suites over ../shared/corpus, in Node. */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'corpus',
    include: ['test/corpus/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
  },
});
