/**
 * The HTTP evaluation driver: scores a running Marquee through its public API
 * only. It serves the set's outlet feeds on a loopback port, PUTs them as the
 * source list, POSTs /admin/refresh, reads every page of /stories.json and
 * /feed.json, and scores what a reader would see.
 *
 *   MARQUEE_ADMIN_TOKEN=... npx tsx scripts/eval/http.ts BASE_URL real|uci [--check]
 *   MARQUEE_ADMIN_TOKEN=... npx tsx scripts/eval/http.ts BASE_URL spun [HOURS] [--check]
 *
 * scripts/run-eval.sh starts a fresh local instance and runs this. Clusters:
 * every item of a /stories.json story plus the copies listed in its
 * `_marquee.duplicates`; a /feed.json item that no story lists joins its
 * `_marquee.story.id`. Exit 1 when --check finds a figure under its floor
 * (offline.ts FLOORS), 2 on a protocol error.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFeeds, loadReal, loadUci, urlMatcher } from './data';
import { FLOORS, TARGETS, checkReal, targetLine, halves, report, reportSpread, reportSpun, score, scoreSpun } from './score';

class ProtocolError extends Error {}

async function call(url: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(url, { ...init, headers: { accept: 'application/json', authorization: `Bearer ${process.env.MARQUEE_ADMIN_TOKEN ?? ''}`, ...(init.headers ?? {}) } });
  const text = await res.text();
  if (!res.ok) throw new ProtocolError(`${init.method ?? 'GET'} ${url} -> HTTP ${res.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError(`${url}: not JSON: ${text.slice(0, 200)}`);
  }
}

/** Every element of `key` across pages, following next_url. */
async function pages(first: string, key: string): Promise<any[]> {
  const out: any[] = [];
  const seen = new Set<string>();
  for (let url: string | null = first; url; ) {
    if (seen.has(url)) throw new ProtocolError(`pagination loop at ${url}`);
    seen.add(url);
    const doc = (await call(url)) as Record<string, unknown>;
    if (!Array.isArray(doc[key])) throw new ProtocolError(`${url}: no '${key}' array`);
    out.push(...(doc[key] as unknown[]));
    url = typeof doc.next_url === 'string' ? new URL(doc.next_url, url).href : null;
  }
  return out;
}

const dupUrls = (item: any): string[] => ((item?._marquee?.duplicates ?? []) as any[]).map((d) => d?.url).filter((u): u is string => typeof u === 'string');

/** Clusters of served URLs and [primary, copy] links, from /stories.json and /feed.json. */
async function servedClusters(base: string) {
  const stories = await pages(`${base}/stories.json?limit=500`, 'stories');
  const feed = await pages(`${base}/feed.json?limit=500`, 'items');
  const storyOf = new Map<string, string>();
  const clusters = new Map<string, string[]>();
  const links: Array<[string, string]> = [];
  const add = (u: string, key: string) => {
    if (storyOf.has(u)) return;
    storyOf.set(u, key);
    clusters.set(key, [...(clusters.get(key) ?? []), u]);
  };
  for (const s of stories) {
    for (const it of s.items ?? []) {
      if (!it?.url) continue;
      add(it.url, `s:${s.id}`);
      for (const d of dupUrls(it)) {
        links.push([it.url, d]);
        add(d, `s:${s.id}`);
      }
    }
  }
  let disagree = 0;
  for (const it of feed) {
    if (!it?.url) continue;
    const sid = it._marquee?.story?.id;
    const key = storyOf.get(it.url) ?? `s:${sid}`;
    if (storyOf.has(it.url) && storyOf.get(it.url) !== `s:${sid}`) disagree++;
    add(it.url, key);
    for (const d of dupUrls(it)) {
      links.push([it.url, d]);
      add(d, key);
    }
  }
  return { clusters: [...clusters.values()], links, stories: stories.length, items: feed.length, disagree };
}

function serve(files: Map<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    const body = files.get((req.url ?? '/').split('?')[0]);
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/rss+xml; charset=utf-8' });
    res.end(body ?? 'not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function refreshWith(base: string, sources: Array<{ id: string; url: string; title: string }>) {
  await call(`${base}/admin/sources`, { method: 'PUT', body: JSON.stringify(sources), headers: { 'content-type': 'application/json' } });
  const t0 = performance.now();
  const summary = (await call(`${base}/admin/refresh`, { method: 'POST' })) as Record<string, unknown>;
  console.log(`  POST /admin/refresh: ${summary.sourcesFetched} sources, ${summary.newEntries} new entries, ${summary.duplicates} duplicates in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

async function main() {
  const args = process.argv.slice(2);
  const [base0, mode = 'real'] = args;
  if (!base0) throw new ProtocolError('usage: http.ts BASE_URL real|uci|spun [HOURS] [--check]');
  const base = base0.replace(/\/$/, '');
  const fails: string[] = [];
  const files = new Map<string, string>();
  const server = await serve(files);
  const port = (server.address() as AddressInfo).port;
  try {
    if (mode === 'spun') {
      const hours = args.slice(2).find((a) => !a.startsWith('--')) ?? '3';
      const dir = mkdtempSync(join(tmpdir(), 'marquee-spun-'));
      try {
        execFileSync('python3', [join(import.meta.dirname, '..', 'make-spun-set.py'), dir, '--port', String(port), '--delay-hours', hours], { stdio: 'inherit' });
        for (const f of readdirSync(dir)) if (f.endsWith('.xml')) files.set(`/${f}`, readFileSync(join(dir, f), 'utf8'));
        const sources = JSON.parse(readFileSync(join(dir, 'sources.json'), 'utf8'));
        const truth: Record<string, string> = JSON.parse(readFileSync(join(dir, 'spun-truth.json'), 'utf8'));
        const real: string[] = JSON.parse(readFileSync(join(dir, 'real-urls.json'), 'utf8'));
        await refreshWith(base, sources);
        const served = await servedClusters(base);
        const match = urlMatcher([...Object.keys(truth), ...real]);
        const keyed = (u: string) => match(u) ?? u;
        const s = scoreSpun(served.clusters.map((c) => c.map(keyed)), new Map(Object.entries(truth)), served.links.map(([a, b]) => [keyed(a), keyed(b)]));
        console.log(reportSpun(s));
        if (s.recall < FLOORS.spun.recall) fails.push(`spun recall ${s.recall.toFixed(3)} < ${FLOORS.spun.recall}`);
        if (s.wrong > FLOORS.spun.wrong) fails.push(`spun copies wrongly grouped ${s.wrong}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else if (mode === 'real' || mode === 'uci') {
      const set = mode === 'real' ? loadReal() : loadUci();
      for (const [id, xml] of buildFeeds(set, new Date())) files.set(`/${id}.xml`, xml);
      await refreshWith(base, [...set.feeds].map(([id, title]) => ({ id, url: `http://127.0.0.1:${port}/${id}.xml`, title })));
      const served = await servedClusters(base);
      const truth = new Map(set.items.map((i) => [i.url, i.label]));
      const match = urlMatcher(truth.keys());
      let unmatched = 0;
      const keyed = (u: string) => match(u) ?? (unmatched++, u);
      const clusters = served.clusters.map((c) => c.map(keyed));
      const links = served.links.map(([a, b]) => [keyed(a), keyed(b)] as [string, string]);
      console.log(`  API: ${served.stories} stories, ${served.items} feed items, ${unmatched} served URLs matched no item, ${served.disagree} /stories.json vs /feed.json disagreements`);
      if (served.disagree) fails.push(`${served.disagree} items where /stories.json and /feed.json disagree`);
      const title = new Map(set.items.map((i) => [i.url, `[${i.outlet}] ${i.title}`]));
      const s = score(clusters, truth, links);
      console.log(report(`${set.name} (through the HTTP API)`, s, (k) => title.get(k) ?? k));
      if (mode === 'real') console.log(targetLine(s));
      else console.log(`  issue 9 target B-cubed F1 >= ${TARGETS.uci.bcubedF1}: ${s.bcubedF1 >= TARGETS.uci.bcubedF1 ? 'met' : 'missed'}`);
      console.log(reportSpread(halves(clusters, truth)));
      if (mode === 'real') fails.push(...checkReal(s));
      else if (s.bcubedF1 < FLOORS.uci.bcubedF1) fails.push(`B-cubed F1 ${s.bcubedF1.toFixed(3)} < ${FLOORS.uci.bcubedF1}`);
    } else throw new ProtocolError(`unknown set ${mode}: real, uci or spun`);
  } finally {
    server.close();
  }
  if (args.includes('--check')) {
    for (const f of fails) console.log(`FAIL ${f}`);
    if (fails.length) process.exit(1);
    console.log('floors met');
  }
}

main().catch((err) => {
  console.error(err instanceof ProtocolError ? `PROTOCOL ERROR: ${err.message}` : err);
  process.exit(2);
});
