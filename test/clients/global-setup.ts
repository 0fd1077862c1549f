/**
 * Starts the fixture server and Marquee under `wrangler dev` for the client
 * suites, seeded with the committed fixture feeds, and stops them afterwards.
 * When ../shared is there, a second instance is seeded with the real-feed set
 * of issue 11 (real-feeds.ts) for the W3C rule checks and newsboat's
 * enclosure count; without it those checks skip with a message.
 */
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer, type SeedSource } from './dev-server';
import { REAL_FEEDS, realFeedsPresent, realSources } from './real-feeds';

declare module 'vitest' {
  export interface ProvidedContext {
    marqueeOrigin: string;
    marqueeSources: Array<{ id: string; url: string; title?: string; category: string }>;
    /** The instance seeded with the real-feed set, or '' when ../shared is absent. */
    realOrigin: string;
    realSources: SeedSource[];
  }
}

let server: DevServer | null = null;
let real: DevServer | null = null;

export async function setup(project: TestProject) {
  server = await startDevServer();
  console.log(`clients: Marquee on ${server.origin} (wrangler dev), ${server.seed.newEntries} entries from ${server.seed.sourcesFetched} fixture feeds`);
  project.provide('marqueeOrigin', server.origin);
  project.provide('marqueeSources', server.sources);
  if (realFeedsPresent()) {
    real = await startDevServer({ feedsRoot: REAL_FEEDS, sources: realSources });
    console.log(`clients: real-feed set on ${real.origin}, ${real.seed.newEntries} entries from ${real.seed.sourcesFetched} of ${real.sources.length} feeds (${real.seed.failed} failed)`);
    project.provide('realOrigin', real.origin);
    project.provide('realSources', real.sources);
  } else {
    console.warn(`clients: the real-feed checks skip: ${REAL_FEEDS} is absent`);
    project.provide('realOrigin', '');
    project.provide('realSources', []);
  }
}

export async function teardown() {
  await Promise.all([server?.stop(), real?.stop()]);
}
