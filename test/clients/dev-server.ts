/**
 * A real Marquee under `wrangler dev`, for the client suite and the serving benchmark: starts
 * the loopback fixture server (the publishers), `npm start` on a free port with its own local
 * KV directory and a random admin token, seeds it through the admin API
 * (PUT /admin/sources + POST /admin/refresh) and tears all of it down again.
 *
 * Only processes started here are stopped, by their process group id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFixtureServer, type FixtureServer } from '../support/fixture-server';
import { fixtureSources, type FixtureSource } from '../support/fixture-sources';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DevServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  fixture: FixtureServer;
  /** What POST /admin/refresh answered when seeding. */
  seed: { newEntries: number; failed: number; sourcesFetched: number };
  /** The sources the server was seeded with. */
  sources: SeedSource[];
  /** Its admin token (random per start). */
  token: string;
  log: () => string;
  stop(): Promise<void>;
}

export type SeedSource = Pick<FixtureSource, 'id' | 'url' | 'category'> & Partial<FixtureSource>;

export { fixtureSources };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export interface DevServerOptions {
  vars?: Record<string, string>;
  readyTimeoutMs?: number;
  /** The folder the fixture server serves under /feeds/ (default: the committed fixture feeds). */
  feedsRoot?: string;
  /** The source list to seed, for the fixture server's origin (default: fixtureSources). */
  sources?: (origin: string) => SeedSource[];
  /** Set PUBLIC_URL to the server's own origin (WebSub needs a public callback). */
  publicUrl?: boolean;
  /** Called with the fixture server before seeding (to set dynamic feeds). */
  prepare?: (fixture: FixtureServer) => Promise<void>;
  /**
   * Seed it another way than one PUT /admin/sources and one POST /admin/refresh (the benchmark
   * loads 100,000 entries in many runs). Gets the server, the admin headers and the fixture server.
   */
  seed?: (ctx: { origin: string; auth: Record<string, string>; fixture: FixtureServer }) => Promise<{ seed: DevServer['seed']; sources: SeedSource[] }>;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const fixture = await startFixtureServer({ root: opts.feedsRoot ?? join(ROOT, 'test', 'fixtures', 'feeds') });
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'marquee-dev-'));
  const logFile = join(dir, 'wrangler.log');
  const token = randomBytes(16).toString('hex');
  const args = [join(ROOT, 'scripts', 'start.mjs'), '--port', String(port), '--persist-to', join(dir, 'state')];
  const vars = { ...(opts.publicUrl ? { PUBLIC_URL: `http://127.0.0.1:${port}` } : {}), ...opts.vars };
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const out = openSync(logFile, 'a');
  // Its own process group, so stopping it also stops wrangler's workerd children.
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, MARQUEE_ADMIN_TOKEN: token, MARQUEE_ALLOW_PRIVATE_SOURCES: 'true', NO_COLOR: '1', CI: 'true' },
  });
  closeSync(out);
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const origin = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const done = await Promise.race([exited(child).then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await fixture.close();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${log()}`);
      try {
        const res = await fetch(`${origin}/healthz`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on ${origin} in time:\n${log()}`);
      await sleep(250);
    }
    const auth = { Authorization: `Bearer ${token}` };
    await opts.prepare?.(fixture);
    if (opts.seed) {
      const seeded = await opts.seed({ origin, auth, fixture });
      return { origin, fixture, ...seeded, token, log, stop };
    }
    const sources = (opts.sources ?? fixtureSources)(fixture.origin);
    const put = await fetch(`${origin}/admin/sources`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(sources) });
    if (!put.ok) throw new Error(`PUT /admin/sources: ${put.status} ${await put.text()}`);
    const run = await fetch(`${origin}/admin/refresh`, { method: 'POST', headers: auth });
    if (!run.ok) throw new Error(`POST /admin/refresh: ${run.status} ${await run.text()}`);
    const seed = (await run.json()) as DevServer['seed'];
    if (!seed.newEntries) throw new Error(`seeding stored nothing: ${JSON.stringify(seed)}`);
    return { origin, fixture, seed, sources, token, log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
