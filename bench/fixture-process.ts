/**
 * The loopback fixture server (test/support/fixture-server.ts) as a process of its own, for
 * benchmarks that must not count its CPU as Marquee's (bench/workerd.ts starts it). Prints
 * `{"origin": ...}` on its first line and runs until SIGTERM. Listens on the port given as its
 * first argument, else on any free one.
 */
import { join } from 'node:path';
import { startFixtureServer } from '../test/support/fixture-server';

const port = process.argv[2] ? Number(process.argv[2]) : undefined;
const server = await startFixtureServer({ root: join(import.meta.dirname, '..', 'test', 'fixtures', 'feeds'), port });
process.stdout.write(`${JSON.stringify({ origin: server.origin })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
