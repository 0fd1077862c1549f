/**
 * Starts the fixture server and Marquee under `wrangler dev` for the client
 * suites, seeded with the committed fixture feeds, and stops them afterwards.
 */
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from './dev-server';

declare module 'vitest' {
  export interface ProvidedContext {
    marqueeOrigin: string;
    marqueeSources: Array<{ id: string; url: string; title?: string; category: string }>;
  }
}

let server: DevServer | null = null;

export async function setup(project: TestProject) {
  server = await startDevServer();
  console.log(`clients: Marquee on ${server.origin} (wrangler dev), ${server.seed.newEntries} entries from ${server.seed.sourcesFetched} fixture feeds`);
  project.provide('marqueeOrigin', server.origin);
  project.provide('marqueeSources', server.sources);
}

export async function teardown() {
  await server?.stop();
}
