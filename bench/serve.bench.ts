/**
 * Serving throughput under load: wrk (Debian) against Marquee under `wrangler dev`, on
 *
 *   /feed.json, /feed.xml, /          the default views (pre-rendered, memoized per isolate)
 *   /feed.json?category=...           a filtered view (rendered once, then memo / Cache API)
 *   /feed.json?q=<word>               a full-text search (FTS5 in the catalog object), once warm
 *   /feed.json?source=<id>            one source's entries, once warm
 *   /feed.json + If-None-Match        a 304 revalidation
 *   /__floor                          the floor: a constant string from the same Worker
 *   /__floor.html                     the same as text/html (see below)
 *
 * in the catalogs BENCH_SERVE names (default `fixtures,100000`):
 *
 *   fixtures   the committed fixture feeds (about 280 entries), seeded with one refresh
 *   <n>        n generated entries, e.g. 100000: n / 50 generated feeds of 50 items (varied
 *              pseudo-word text, 600 bytes of HTML each, dated across 30 days), loaded by cron
 *              runs of 100 new sources each (100,000 took 19 minutes on the shared
 *              2-core machine)
 *
 * Each round runs the floor, then a target, then the floor again, and so on through every
 * target (in a rotated order), BENCH_SECONDS each (default 2); a target's requests/s are
 * divided by the mean of the two floor runs around it. The report gives, over BENCH_ROUNDS
 * rounds (default 8), the median of those ratios with their spread, the median requests/s
 * and the median p99 latency. On a shared machine whose load changes by the second, ratios
 * to a floor measured seconds apart hold up far better than absolute numbers. Goals: default
 * views >= 0.7x the floor, 304s >= 0.9x. Searches and source views are also given as a ratio
 * to the default view (/feed.json), warm (throughput) and on a first request (latency of
 * FIRST_REQUESTS requests, each for a URL not asked before, against the default view's).
 * Nothing here asserts a time.
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
import type { Source } from '../src/model';
import { ROOT, startDevServer, type DevServer, type DevServerOptions, type SeedSource } from '../test/clients/dev-server';

const WRK = '/usr/bin/wrk';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const VARIANTS = (process.env.BENCH_SERVE ?? 'fixtures,100000').split(',').map((s) => s.trim());
const FIRST_REQUESTS = 10;

const LARGE_ITEMS = 50;
const LOAD_WAVE = 100;
const DAY = 86_400_000;

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

const goalText = (ratio: number, goal: number) => (ratio >= goal ? `goal met (${ratio.toFixed(2)} >= ${goal})` : `goal NOT met (${ratio.toFixed(2)} < ${goal})`);

// ---- a large generated catalog ------------------------------------------------------------

function largeSources(origin: string, now: number, count: number): Source[] {
  const every = (30 * DAY) / LARGE_ITEMS / 60_000;
  return Array.from({ length: count }, (_, k) => {
    const id = `s-${String(k).padStart(4, '0')}`;
    const q = new URLSearchParams({
      items: String(LARGE_ITEMS), words: '1', bodyBytes: '600', ttl: '1440', every: String(every),
      start: String(now - 30 * DAY + ((k * 37) % every) * 60_000),
    });
    return { id, url: `${origin}/s/serve/gen/${id}?${q}`, title: `Outlet ${k}`, home_page_url: null, category: k % 3 ? 'film' : 'music' };
  });
}

/** Load a large catalog: cron runs (wrangler dev's scheduled route) of LOAD_WAVE new sources each. */
const seedLarge = (entries: number): DevServerOptions['seed'] => async ({ origin, auth, fixture }) => {
  const count = Math.ceil(entries / LARGE_ITEMS);
  const sources = largeSources(fixture.origin, Date.now(), count);
  const t0 = performance.now();
  let stored = 0;
  for (let i = 0; stored < count * LARGE_ITEMS; i++) {
    if (i > count / LOAD_WAVE + 2) throw new Error(`loading stopped at ${stored} entries`);
    const list = sources.slice(0, Math.min(count, (i + 1) * LOAD_WAVE));
    const put = await fetch(`${origin}/admin/sources`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(list) });
    if (!put.ok) throw new Error(`PUT /admin/sources: ${put.status} ${await put.text()}`);
    const run = await fetch(`${origin}/cdn-cgi/handler/scheduled`);
    if (!run.ok) throw new Error(`scheduled run: ${run.status} ${await run.text()}`);
    const runs = (await (await fetch(`${origin}/admin/runs?limit=1`, { headers: auth })).json()) as { runs: Array<{ entriesStored: number }> };
    stored = runs.runs[0].entriesStored;
    process.stdout.write(`  loaded ${stored.toLocaleString('en-US')} entries, ${((performance.now() - t0) / 60_000).toFixed(1)} min\n`);
  }
  return { seed: { newEntries: stored, failed: 0, sourcesFetched: count }, sources: sources as SeedSource[] };
};

// ---- one catalog ----------------------------------------------------------------------------

interface Variant {
  name: string;
  start: () => Promise<DevServer>;
  category: string;
}

/** `fixtures`, or a number of generated entries (LARGE_ITEMS per source). */
function variant(name: string): Variant {
  if (name === 'fixtures') return { name: 'the fixture feeds', start: () => startDevServer(), category: 'news' };
  const entries = Number(name);
  if (!Number.isInteger(entries) || entries < LARGE_ITEMS) throw new Error(`BENCH_SERVE: "${name}" is neither fixtures nor a number of entries`);
  return {
    name: `${entries.toLocaleString('en-US')} stored entries`,
    start: () => startDevServer({
      vars: { SUBREQUEST_BUDGET: '10000', FETCH_PER_HOST: '6', RUN_DEADLINE_MS: '900000' }, seed: seedLarge(entries), readyTimeoutMs: 120_000,
    }),
    category: 'film',
  };
}

/** Words of the default view's headlines, for searches that find something. */
async function searchWords(origin: string, n: number): Promise<string[]> {
  const feed = (await (await fetch(`${origin}/feed.json`)).json()) as { items: Array<{ title?: string }> };
  const words = new Set<string>();
  for (const it of feed.items) for (const w of (it.title ?? '').toLowerCase().match(/\p{L}{4,}/gu) ?? []) words.add(w);
  if (words.size < n) throw new Error(`only ${words.size} words in the default view's headlines`);
  return [...words].slice(0, n);
}

async function latency(url: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return performance.now() - t;
}

/**
 * First requests (URLs not asked before) against the default view's, as medians of
 * FIRST_REQUESTS each. Source views vary their page size too, so that a catalog with fewer
 * sources than that still asks for a new URL every time.
 */
async function firstRequests(o: string, words: string[], sourceIds: string[]) {
  const def: number[] = [];
  const q: number[] = [];
  const src: number[] = [];
  for (let i = 0; i < FIRST_REQUESTS; i++) {
    def.push(await latency(`${o}/feed.json`));
    q.push(await latency(`${o}/feed.json?q=${encodeURIComponent(words[i])}`));
    src.push(await latency(`${o}/feed.json?source=${encodeURIComponent(sourceIds[(i + 1) % sourceIds.length])}&limit=${40 + i}`));
  }
  return { defaultMs: median(def), qMs: median(q), sourceMs: median(src), qMin: Math.min(...q), qMax: Math.max(...q), sourceMin: Math.min(...src), sourceMax: Math.max(...src) };
}

async function runVariant(v: Variant) {
  console.log(`\n--- ${v.name} ---\nstarting wrangler dev...`);
  const started = performance.now();
  const server = await v.start();
  const seedMinutes = (performance.now() - started) / 60_000;
  try {
    const o = server.origin;
    const head = await fetch(`${o}/feed.json`);
    const etag = head.headers.get('etag');
    if (!etag || head.headers.get('x-marquee-view') !== 'default') throw new Error(`/feed.json is not the pre-rendered view: ${JSON.stringify([...head.headers])}`);
    const words = await searchWords(o, FIRST_REQUESTS + 1);
    const ids = server.sources.map((s) => s.id);
    const first = await firstRequests(o, words.slice(1), ids);
    const targets: Target[] = [
      { name: 'floor', path: '/__floor', status: 200 },
      { name: 'floor.html', path: '/__floor.html', status: 200 },
      { name: '/feed.json', path: '/feed.json', status: 200, goal: 0.7 },
      { name: '/feed.xml', path: '/feed.xml', status: 200, goal: 0.7 },
      { name: '/', path: '/', status: 200, goal: 0.7, alsoVs: 'floor.html' },
      { name: 'category', path: `/feed.json?category=${v.category}`, status: 200 },
      { name: 'q', path: `/feed.json?q=${encodeURIComponent(words[0])}`, status: 200, alsoVs: '/feed.json' },
      { name: 'source', path: `/feed.json?source=${encodeURIComponent(ids[0])}`, status: 200, alsoVs: '/feed.json' },
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
    const rows = measureRounds(o, targets, sizes);
    printRows(rows, first);
    return { variant: v.name, seedMinutes, entries: server.seed.newEntries, first, rows };
  } finally {
    await server.stop();
  }
}

function measureRounds(o: string, targets: Target[], sizes: Map<string, number>) {
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
  return targets.map((t) => {
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
}

function printRows(rows: ReturnType<typeof measureRounds>, first: Awaited<ReturnType<typeof firstRequests>>): void {
  console.log('');
  console.log('target        path                                   status   bytes    req/s   p99 ms   x floor (min-max)     goal');
  for (const r of rows) {
    const goal = r.goal === null ? '' : goalText(r.ratio, r.goal);
    const path = r.path.length > 38 ? `${r.path.slice(0, 37)}…` : r.path;
    console.log(
      `${r.target.padEnd(13)} ${path.padEnd(38)} ${String(r.status).padStart(6)} ${String(r.bytes).padStart(7)} ${r.rps.toFixed(0).padStart(8)} ${r.p99ms.toFixed(1).padStart(8)}   ${r.ratio.toFixed(2)} (${r.ratioMin.toFixed(2)}-${r.ratioMax.toFixed(2)})`.padEnd(120) + goal,
    );
  }
  for (const r of rows) if (r.bad) console.log(`${r.target}: ${r.bad} of ${r.requests} responses had an unexpected status or a socket error (shown above)`);
  for (const r of rows) if (r.vs) console.log(`${r.target} vs ${r.vs.target}, warm: ${r.vs.ratio.toFixed(2)}x the requests/s${r.vs.target === 'floor.html' ? ' (both pay wrangler dev\'s HTML rewriting)' : ''}`);
  const x = (a: number) => (a / first.defaultMs).toFixed(1);
  console.log(`first request (a URL not asked before), median of ${FIRST_REQUESTS}: /feed.json ${first.defaultMs.toFixed(1)} ms; ` +
    `?q= ${first.qMs.toFixed(1)} ms (${first.qMin.toFixed(1)}-${first.qMax.toFixed(1)}), ${x(first.qMs)}x the default view's time; ` +
    `?source= ${first.sourceMs.toFixed(1)} ms (${first.sourceMin.toFixed(1)}-${first.sourceMax.toFixed(1)}), ${x(first.sourceMs)}x`);
}

async function main(): Promise<void> {
  if (!existsSync(WRK)) {
    console.log('serve.bench: SKIPPED, wrk is not installed (apt-get install -y wrk)');
    return;
  }
  const results = [];
  for (const name of VARIANTS) results.push(await runVariant(variant(name)));
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `serve-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), wrk: { threads: THREADS, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS }, results }, null, 2));
  console.log(`\nwritten to ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
