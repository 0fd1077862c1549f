/**
 * Marquee inside workerd, as the benchmarks measure it: `src/index.ts` bundled
 * with esbuild and run by Miniflare with the bindings of wrangler.toml (the
 * Worker and its Catalog Durable Object, SQLite-backed, in one workerd
 * process), plus what a benchmark needs to watch it from outside:
 *
 *   cpuMs        the workerd process's own CPU time (utime + stime, /proc/<pid>/stat), so
 *                work in the fixture server or in this Node process is not counted
 *   Inspector    the V8 inspector of the Worker's isolate (`core:user:`): heap usage,
 *                garbage collection, CPU profiles
 *   fixture      the loopback fixture server (test/support/fixture-server.ts) in a child
 *                process of its own
 *
 * Locally the Worker and its Durable Object run in one isolate; deployed, each has its own
 * isolate with 128 MB. A heap figure measured here is therefore the sum of both, an upper
 * bound for either. The inspector answers between JavaScript turns only, so a peak inside
 * one long synchronous stretch can be missed (by up to the young generation, a few MB).
 *
 * Needs Node's WebSocket (`--experimental-websocket` on Node 20; bench/run.mjs passes it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { freePort } from '../test/clients/dev-server';

export const ROOT = join(import.meta.dirname, '..');
const CLK_TCK = 100;

export async function bundleMarquee(): Promise<string> {
  const out = await build({
    entryPoints: [join(ROOT, 'src', 'index.ts')], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false,
    external: ['cloudflare:*'], mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'import'],
  });
  return out.outputFiles[0].text;
}

/** compatibility_date and compatibility_flags as wrangler.toml sets them. */
export function wranglerCompat(): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  if (!date) throw new Error('wrangler.toml: no compatibility_date');
  return { compatibilityDate: date, compatibilityFlags: flags ? [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [] };
}

// ---- processes ----------------------------------------------------------------------------

function childrenOf(ppid: number, comm: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const m = /^(\d+) \((.*)\) \S (\d+)/.exec(readFileSync(`/proc/${p}/stat`, 'utf8'));
      if (m && Number(m[3]) === ppid && m[2] === comm) out.push(Number(m[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** CPU time (user + system) a process has used so far, in ms (10 ms resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), counted from 1: after "pid (comm)" they are at 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

// ---- the inspector ----------------------------------------------------------------------

export interface HeapPeak {
  /** Peak used heap above the level before the run (after a full GC), MB. */
  aboveMB: number;
  /** Peak used heap, MB. */
  peakMB: number;
  samples: number;
}

export class Inspector {
  private next = 0;
  private readonly pending = new Map<number, (m: { result?: unknown; error?: unknown }) => void>();

  private constructor(private readonly ws: WebSocket, private readonly poke: () => Promise<void>) {
    ws.addEventListener('message', (ev) => {
      const m = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: unknown };
      if (m.id !== undefined) this.pending.get(m.id)?.(m);
      if (m.id !== undefined) this.pending.delete(m.id);
    });
  }

  /**
   * Connect to the isolate of the Worker (`core:user:<name>`) on Miniflare's inspector port.
   * `poke` sends the Worker a trivial request: workerd runs the inspector's queued tasks (a
   * requested GC) only when the isolate is next entered.
   */
  static async connect(port: number, poke: () => Promise<void>): Promise<Inspector> {
    if (typeof WebSocket === 'undefined') throw new Error('no WebSocket in this Node: run with --experimental-websocket (bench/run.mjs does)');
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{ id: string; webSocketDebuggerUrl: string }>;
    const target = targets.find((t) => t.id.startsWith('core:user:'));
    if (!target) throw new Error(`no core:user: target among ${targets.map((t) => t.id).join(', ')}`);
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', reject, { once: true });
    });
    return new Inspector(ws, poke);
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${JSON.stringify(m.error)}`)) : resolve(m.result as T)));
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async heapUsed(): Promise<number> {
    return (await this.call<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
  }

  async collectGarbage(): Promise<void> {
    const done = this.call('HeapProfiler.collectGarbage');
    await this.poke();
    await done;
  }

  /**
   * Run `fn` with the isolate's heap sampled every `everyMs`: after a full GC, the baseline;
   * then the highest used size seen until `fn` settles (and once more right after it).
   */
  async peakDuring<T>(fn: () => Promise<T>, everyMs = 5): Promise<{ value: T; heap: HeapPeak }> {
    await this.collectGarbage();
    const base = await this.heapUsed();
    let peak = base;
    let samples = 0;
    let on = true;
    const loop = (async () => {
      while (on) {
        peak = Math.max(peak, await this.heapUsed());
        samples++;
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    let value: T;
    try {
      value = await fn();
    } finally {
      on = false;
      await loop;
    }
    peak = Math.max(peak, await this.heapUsed());
    return { value, heap: { aboveMB: (peak - base) / 2 ** 20, peakMB: peak / 2 ** 20, samples } };
  }

  async startProfile(intervalUs = 500): Promise<void> {
    await this.call('Profiler.enable');
    await this.call('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.call('Profiler.start');
  }

  async stopProfile(): Promise<CpuProfile> {
    const { profile } = await this.call<{ profile: CpuProfile }>('Profiler.stop');
    return profile;
  }

  close(): void {
    this.ws.close();
  }
}

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** The counting wrapper around SqlStorage (src/store/sql.ts) and the native call beneath it. */
const SQL_PLUMBING = new Set(['exec', 'all', 'one', 'run', 'inChunks', 'count', 'toArray']);

/**
 * Self time per function in a CPU profile, largest first: [name, ms]. Time inside SQLite (the
 * native `exec` and src/store/sql.ts around it) is charged to the function that asked for the
 * query, marked "(SQL)", so the list says which repository call costs what.
 */
export function selfTimes(p: CpuProfile, top = 15): Array<[string, number]> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'}${f.url ? ` ${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''}`;
  };
  const ms = new Map<string, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    let id: number | undefined = samples[i];
    let sql = false;
    while (id !== undefined && SQL_PLUMBING.has(byId.get(id)!.callFrame.functionName) && parent.has(id)) {
      sql = true;
      id = parent.get(id);
    }
    const key = sql ? `${label(id!)} (SQL)` : label(samples[i]);
    ms.set(key, (ms.get(key) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  }
  return [...ms].sort((a, b) => b[1] - a[1]).slice(0, top);
}

// ---- Marquee in Miniflare ------------------------------------------------------------------

export interface Marquee {
  mf: Miniflare;
  /** The workerd process that runs the Worker and the Durable Object. */
  pid: number;
  inspector: Inspector;
  /** A request to the Worker's fetch handler; admin requests get the bearer token. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Run the cron handler for this scheduled time, until its waitUntil work is done. */
  scheduled(at: Date): Promise<void>;
  dispose(): Promise<void>;
}

const CRON = /^crons\s*=\s*\["([^"]+)"/m.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))?.[1] ?? '*/15 * * * *';

/**
 * Start Marquee (the bundle from `bundleMarquee`) in a workerd of its own: with fresh KV and
 * Durable Object storage, or with what a directory holds (`persist`, kept after dispose).
 */
export async function startMarquee(script: string, vars: Record<string, string>, persist?: string): Promise<Marquee> {
  const token = `bench-${Math.random().toString(36).slice(2)}`;
  const inspectorPort = await freePort();
  const before = new Set(childrenOf(process.pid, 'workerd'));
  const mf = new Miniflare({
    modules: true, script, ...wranglerCompat(), inspectorPort,
    kvNamespaces: ['MARQUEE_KV'],
    ...(persist ? { kvPersist: join(persist, 'kv'), durableObjectsPersist: join(persist, 'do') } : {}),
    durableObjects: { CATALOG: { className: 'Catalog', useSQLite: true } },
    bindings: { ADMIN_TOKEN: token, ...vars },
    // The Worker's own log lines (one per run) would interleave with the report; errors still show.
    handleRuntimeStdio: (stdout, stderr) => {
      stdout.resume();
      stderr.pipe(process.stderr);
    },
  });
  await mf.ready;
  const pids = childrenOf(process.pid, 'workerd').filter((p) => !before.has(p));
  if (pids.length !== 1) throw new Error(`expected one new workerd process, found ${pids.length}`);
  const inspector = await Inspector.connect(inspectorPort, async () => {
    await (await mf.dispatchFetch('http://127.0.0.1/__floor')).arrayBuffer();
  });
  const worker = await mf.getWorker();
  return {
    mf,
    pid: pids[0],
    inspector,
    request: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (path.startsWith('/admin/')) headers.set('Authorization', `Bearer ${token}`);
      return mf.dispatchFetch(`http://marquee.bench${path}`, { ...init, headers } as never) as unknown as Promise<Response>;
    },
    scheduled: async (at) => {
      const r = await worker.scheduled({ scheduledTime: at, cron: CRON });
      if (r.outcome !== 'ok') throw new Error(`scheduled run at ${at.toISOString()}: ${r.outcome}`);
    },
    dispose: async () => {
      inspector.close();
      await mf.dispose();
    },
  };
}

// ---- the fixture server, in a process of its own -------------------------------------------

/** Start the fixture server process, on `port` when given (a stored catalog's sources name it), else any free port. */
export async function startFixtureProcess(port?: number): Promise<{ origin: string; stop(): void }> {
  const args = ['--import', 'tsx', join(ROOT, 'bench', 'fixture-process.ts'), ...(port ? [String(port)] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  const origin = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve((JSON.parse(buf.split('\n')[0]) as { origin: string }).origin);
    });
    child.once('exit', (code) => reject(new Error(`fixture server exited with ${code}`)));
  });
  return { origin, stop: () => child.kill('SIGTERM') };
}
