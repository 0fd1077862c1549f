/**
 * Two tiers of tests (CONVENTIONS §9):
 *  - `unit`: the pure core (parse, normalize, dedupe, group, render, query) in Node;
 *  - `worker`: integration tests inside workerd via @cloudflare/vitest-pool-workers,
 *    with real local KV, the real catalog Durable Object (test/store/* test its SQL
 *    directly) and real HTTP against the fixture server that
 *    test/support/global-setup.ts starts on a loopback port.
 */
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { quietRuntimeNoise } from './test/support/runtime-noise';

quietRuntimeNoise();

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/store/**', 'test/corpus/**', 'node_modules/**'],
          environment: 'node',
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: { ADMIN_TOKEN: 'test-admin-token', ALLOW_PRIVATE_SOURCES: 'true', VIEW_MEMO_SECONDS: '0' },
              // The optional fan-out producer (see README "Fan-out"); test/integration/fairness-fanout.test.ts drives it.
              queueProducers: { FETCH_QUEUE: 'marquee-fetch' },
            },
          }),
        ],
        test: {
          name: 'worker',
          include: ['test/integration/**/*.test.ts', 'test/store/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // The files share one fixture server (its request log, its dynamic feeds): run them one at a time.
          fileParallelism: false,
          testTimeout: 30_000,
        },
      },
    ],
  },
});
