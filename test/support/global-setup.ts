/**
 * Starts the fixture server for the workerd integration tests and hands its
 * origin to them through vitest's provide/inject.
 */
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startFixtureServer, type FixtureServer } from './fixture-server';

declare module 'vitest' {
  export interface ProvidedContext {
    fixtureOrigin: string;
  }
}

let server: FixtureServer | null = null;

export async function setup(project: TestProject) {
  server = await startFixtureServer({ root: join(process.cwd(), 'test', 'fixtures', 'feeds') });
  project.provide('fixtureOrigin', server.origin);
}

export async function teardown() {
  await server?.close();
}
