/**
 * Serving throughput under load: wrk (Debian) against Marquee under `wrangler dev`,
 * seeded with the fixture feeds, on
 *
 *   /feed.json, /feed.xml, /          the default views (pre-rendered, memoized per isolate)
 *   /feed.json?category=news          a filtered view (rendered once, then memo / Cache API)
 *   /feed.json + If-None-Match        a 304 revalidation
 *   /__floor                          the floor: a constant string from the same Worker
 *   /__floor.html                     the same as text/html (see below)
 *
 * Each round runs the floor, then a target, then the floor again, and so on through every
 * target (in a rotated order), BENCH_SECONDS each (default 2); a target's requests/s are
 * divided by the mean of the two floor runs around it. The report gives, over BENCH_ROUNDS
 * rounds (default 8), the median of those ratios with their spread, the median requests/s
 * and the median p99 latency. On a shared machine whose load changes by the second, ratios
 * to a floor measured seconds apart hold up far better than absolute numbers. Goals
 * (issue #6): default views >= 0.7x the floor, 304s >= 0.9x. Nothing here asserts a time.
 *
 * wrangler dev puts a proxy Worker in front of yours (a second workerd process) and passes
 * every text/html response through HTMLRewriter to offer live reload. That costs `/` in dev
 * only, so `/` is also compared with /__floor.html, which pays the same toll.
 *
 * `npm run bench -- serve`. Results are also written to bench/results/serve-<time>.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startDevServer } from '../test/clients/dev-server';

const WRK = '/usr/bin/wrk';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);

interface Target {
  name: string;
  path: string;
  headers?: Record<string, string>;
  /** Status every response must have. */
  status: number;
  goal?: number;
  /** Compare with this target instead of /__floor too (informational). */
  alsoVs?: string;
}

interface Sample {
  rps: number;
  p99ms: number;
  requests: number;
  /** Responses with another status than expected (wrk: non-2xx/3xx), plus socket errors. */
  bad: number;
  raw: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const ms = (v: string): number => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
};

function wrk(url: string, headers: Record<string, string> = {}): Sample {
  const args = [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '--timeout', '10s'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const r = spawnSync(WRK, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk ${args.join(' ')}: ${r.stderr}`);
  const out = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = ms(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) + (socket ? socket.slice(1).reduce((n, x) => n + Number(x), 0) : 0);
  if (!Number.isFinite(rps) || !Number.isFinite(p99)) throw new Error(`could not read wrk output:\n${out}`);
  return { rps, p99ms: p99, requests, bad, raw: out };
}

async function main(): Promise<void> {
  if (!existsSync(WRK)) {
    console.log('serve.bench: SKIPPED, wrk is not installed (apt-get install -y wrk)');
    return;
  }
  console.log(`starting wrangler dev with the fixture feeds...`);
  const server = await startDevServer();
  try {
    const o = server.origin;
    const head = await fetch(`${o}/feed.json`);
    const etag = head.headers.get('etag');
    if (!etag || head.headers.get('x-marquee-view') !== 'default') throw new Error(`/feed.json is not the pre-rendered view: ${JSON.stringify([...head.headers])}`);
    const targets: Target[] = [
      { name: 'floor', path: '/__floor', status: 200 },
      { name: 'floor.html', path: '/__floor.html', status: 200 },
      { name: '/feed.json', path: '/feed.json', status: 200, goal: 0.7 },
      { name: '/feed.xml', path: '/feed.xml', status: 200, goal: 0.7 },
      { name: '/', path: '/', status: 200, goal: 0.7, alsoVs: 'floor.html' },
      { name: 'filtered', path: '/feed.json?category=news', status: 200 },
      { name: '304', path: '/feed.json', headers: { 'If-None-Match': etag }, status: 304, goal: 0.9 },
    ];
    // Check each target answers as expected, and warm the memo and the Cache API.
    const sizes = new Map<string, number>();
    for (const t of targets) {
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${o}${t.path}`, { headers: t.headers });
        const body = await res.arrayBuffer();
        if (res.status !== t.status) throw new Error(`${t.name}: HTTP ${res.status}, expected ${t.status}`);
        sizes.set(t.name, body.byteLength);
      }
    }
    const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]));
    const ratios = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const alsoRatios = new Map<string, number[]>();
    const floor = targets[0];
    const measured = targets.slice(1);
    const runs = ROUNDS * (2 * measured.length + 1);
    console.log(`wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s; ${ROUNDS} rounds of floor/target pairs, ${runs} runs (about ${Math.ceil((runs * (SECONDS + 0.2)) / 60)} min)`);
    const check = (t: Target, s: Sample) => {
      if (s.bad) console.log(`  ${t.name}: ${s.bad} of ${s.requests} responses had an unexpected status or a socket error:\n${s.raw.replace(/^/gm, '    | ')}`);
      samples.get(t.name)!.push(s);
      return s;
    };
    for (let round = 0; round < ROUNDS; round++) {
      const order = measured.map((_, i) => measured[(i + round) % measured.length]);
      let before = check(floor, wrk(`${o}${floor.path}`));
      const got = new Map<string, { s: Sample; floor: number }>();
      for (const t of order) {
        const s = check(t, wrk(`${o}${t.path}`, t.headers));
        const after = check(floor, wrk(`${o}${floor.path}`));
        got.set(t.name, { s, floor: (before.rps + after.rps) / 2 });
        before = after;
      }
      ratios.get(floor.name)!.push(1);
      for (const t of measured) {
        const { s, floor: f } = got.get(t.name)!;
        ratios.get(t.name)!.push(s.rps / f);
        if (t.alsoVs) {
          // The two runs are a few seconds apart: each divided by its own floor, then compared.
          const list = alsoRatios.get(t.name) ?? [];
          list.push((s.rps / f) / (got.get(t.alsoVs)!.s.rps / got.get(t.alsoVs)!.floor));
          alsoRatios.set(t.name, list);
        }
      }
      const fl = samples.get(floor.name)!.slice(-(measured.length + 1)).map((x) => x.rps);
      process.stdout.write(`  round ${round + 1}/${ROUNDS}: floor ${Math.min(...fl).toFixed(0)}-${Math.max(...fl).toFixed(0)} req/s\n`);
    }

    const rows = targets.map((t) => {
      const s = samples.get(t.name)!;
      const r = ratios.get(t.name)!;
      return {
        target: t.name,
        path: t.path + (t.headers ? ' (If-None-Match)' : ''),
        status: t.status,
        bytes: sizes.get(t.name)!,
        requests: s.reduce((n, x) => n + x.requests, 0),
        bad: s.reduce((n, x) => n + x.bad, 0),
        rps: median(s.map((x) => x.rps)),
        p99ms: median(s.map((x) => x.p99ms)),
        ratio: median(r),
        ratioMin: Math.min(...r),
        ratioMax: Math.max(...r),
        goal: t.goal ?? null,
        vs: t.alsoVs ? { target: t.alsoVs, ratio: median(alsoRatios.get(t.name)!) } : null,
      };
    });
    console.log('');
    console.log('target        path                           status   bytes    req/s   p99 ms   x floor (min-max)     goal');
    for (const r of rows) {
      const goal = r.goal === null ? '' : `${r.ratio >= r.goal ? 'met' : 'NOT met'} (>= ${r.goal})`;
      console.log(
        `${r.target.padEnd(13)} ${r.path.padEnd(30)} ${String(r.status).padStart(6)} ${String(r.bytes).padStart(7)} ${r.rps.toFixed(0).padStart(8)} ${r.p99ms.toFixed(1).padStart(8)}   ${r.ratio.toFixed(2)} (${r.ratioMin.toFixed(2)}-${r.ratioMax.toFixed(2)})`.padEnd(112) + goal,
      );
    }
    for (const r of rows) if (r.bad) console.log(`${r.target}: ${r.bad} of ${r.requests} responses had an unexpected status or a socket error (shown above)`);
    for (const r of rows) if (r.vs) console.log(`${r.target} vs ${r.vs.target} (both pay wrangler dev's HTML rewriting): ${r.vs.ratio.toFixed(2)}x`);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    const file = join(ROOT, 'bench', 'results', `serve-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), wrk: { threads: THREADS, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS }, rows }, null, 2));
    console.log(`\nwritten to ${file}`);
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
