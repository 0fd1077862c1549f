/**
 * The offline grouping harness: replays an evaluation set through Marquee's
 * parse, normalize, dedupe and grouping code in process (no Worker, no HTTP),
 * in publication order, and scores it with scripts/eval/score.ts.
 *
 *   npx tsx scripts/eval/offline.ts real [--batch-hours H] [--loo] [--check]
 *   npx tsx scripts/eval/offline.ts uci  [--check]
 *   npx tsx scripts/eval/offline.ts spun [HOURS] [--check]
 *   npx tsx scripts/eval/offline.ts floors      all three with --check: the CI gate
 *
 * `real` also prints the spread over 20 random story-level halvings of the
 * set and, with --loo, the scores with each outlet of 10+ items left out.
 * --check exits 1 when a figure is below its floor in score.ts FLOORS (the
 * CI gate); the targets of issue 9 are printed beside the figures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFeeds, loadReal, loadUci, urlMatcher, type EvalSet } from './data';
import { normalizeAll, replay, type Placed } from './replay';
import { FLOORS, TARGETS, checkReal, targetLine, halves, report, reportSpread, reportSpun, score, scoreSpun, spread, type Score } from './score';

const NOW = new Date('2026-01-15T12:00:00Z');

/** Clusters of truth keys and duplicate links, from placed entries. */
export function clustersOf(placed: Placed[], match: (u: string) => string | null) {
  const byStory = new Map<string, string[]>();
  const keyOf = new Map<string, string>();
  const unmatched: string[] = [];
  for (const p of placed) {
    const k = match(p.entry.url ?? '') ?? match(p.entry.originalUrl ?? '');
    if (!k) {
      unmatched.push(p.entry.url ?? p.entry.id);
      continue;
    }
    keyOf.set(p.entry.id, k);
    const list = byStory.get(p.storyId) ?? [];
    list.push(k);
    byStory.set(p.storyId, list);
  }
  const dupLinks: Array<[string, string]> = [];
  for (const p of placed) {
    if (!p.dupOf) continue;
    const a = keyOf.get(p.dupOf);
    const b = keyOf.get(p.entry.id);
    if (a && b) dupLinks.push([a, b]);
  }
  return { clusters: [...byStory.values()], dupLinks, unmatched };
}

function run(set: EvalSet, batchHours?: number) {
  const placed = replay(normalizeAll(buildFeeds(set, NOW), NOW), { batchHours });
  const truth = new Map(set.items.map((i) => [i.url, i.label]));
  const { clusters, dupLinks, unmatched } = clustersOf(placed, urlMatcher(truth.keys()));
  if (unmatched.length) console.log(`  ${unmatched.length} entries matched no truth key, e.g. ${unmatched[0]}`);
  return { truth, clusters, dupLinks, placed };
}

function real(args: string[]): string[] {
  const set = loadReal();
  const bh = args.indexOf('--batch-hours');
  const { truth, clusters, dupLinks } = run(set, bh >= 0 ? Number(args[bh + 1]) : undefined);
  const title = new Map(set.items.map((i) => [i.url, `[${i.outlet}] ${i.title}`]));
  const s = score(clusters, truth, dupLinks);
  console.log(report('real-dev (offline replay)', s, (k) => title.get(k) ?? k));
  console.log(targetLine(s));
  console.log(reportSpread(halves(clusters, truth)));
  if (args.includes('--loo')) {
    const outlets = [...new Set(set.items.map((i) => i.outlet))].filter((o) => set.items.filter((i) => i.outlet === o).length >= 10);
    const rows: Score[] = [];
    console.log('  leave one outlet out (outlets with 10+ items):');
    for (const o of outlets) {
      const sub = { ...set, items: set.items.filter((i) => i.outlet !== o) };
      const r = run(sub);
      const x = score(r.clusters, r.truth, r.dupLinks);
      rows.push(x);
      console.log(`    without ${o.padEnd(20)} P=${x.precision.toFixed(3)} R=${x.recall.toFixed(3)} impure ${x.impure}/${x.multiStories} largest ${x.largestImpure} false dupes ${x.falseDuplicates}`);
    }
    const p = spread(rows.map((x) => x.precision));
    const r = spread(rows.map((x) => x.recall));
    console.log(`    over ${rows.length} runs: P ${p.mean.toFixed(3)} ± ${p.sd.toFixed(3)} (${p.min.toFixed(3)}–${p.max.toFixed(3)}), R ${r.mean.toFixed(3)} ± ${r.sd.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)})`);
  }
  return checkReal(s);
}

function uci(): string[] {
  const set = loadUci();
  const { truth, clusters, dupLinks } = run(set);
  const s = score(clusters, truth, dupLinks);
  console.log(report('uci-dev (offline replay)', s));
  console.log(`  issue 9 target B-cubed F1 >= ${TARGETS.uci.bcubedF1}: ${s.bcubedF1 >= TARGETS.uci.bcubedF1 ? 'met' : 'missed'}`);
  console.log(reportSpread(halves(clusters, truth)));
  return s.bcubedF1 < FLOORS.uci.bcubedF1 ? [`B-cubed F1 ${s.bcubedF1.toFixed(3)} < ${FLOORS.uci.bcubedF1}`] : [];
}

function spun(hours: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'marquee-spun-'));
  try {
    execFileSync('python3', [join(import.meta.dirname, '..', 'make-spun-set.py'), dir, '--port', '1', '--delay-hours', hours], { stdio: 'ignore' });
    const feeds = new Map<string, string>();
    for (const f of readdirSync(dir)) if (f.endsWith('.xml')) feeds.set(f.slice(0, -4), readFileSync(join(dir, f), 'utf8'));
    const truth: Record<string, string> = JSON.parse(readFileSync(join(dir, 'spun-truth.json'), 'utf8'));
    const real: string[] = JSON.parse(readFileSync(join(dir, 'real-urls.json'), 'utf8'));
    const placed = replay(normalizeAll(feeds, new Date()));
    const { clusters, dupLinks } = clustersOf(placed, urlMatcher([...Object.keys(truth), ...real]));
    const s = scoreSpun(clusters, new Map(Object.entries(truth)), dupLinks);
    console.log(reportSpun(s));
    const fails: string[] = [];
    if (s.recall < FLOORS.spun.recall) fails.push(`spun recall ${s.recall.toFixed(3)} < ${FLOORS.spun.recall}`);
    if (s.wrong > FLOORS.spun.wrong) fails.push(`spun copies wrongly grouped ${s.wrong} > ${FLOORS.spun.wrong}`);
    return fails;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode = 'real', ...rest] = process.argv.slice(2);
const started = performance.now();
const fails =
  mode === 'real' ? real(rest)
  : mode === 'uci' ? uci()
  : mode === 'spun' ? spun(rest.find((a) => !a.startsWith('--')) ?? '3')
  : mode === 'floors' ? [...real([]), ...uci(), ...spun('3'), ...spun('100')]
  : null;
if (mode === 'floors') rest.push('--check');
if (!fails) {
  console.error(`unknown set ${mode}: real, uci, spun or floors`);
  process.exit(64);
}
console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
if (rest.includes('--check')) {
  for (const f of fails) console.log(`FAIL ${f}`);
  if (fails.length) process.exit(1);
  console.log('floors met');
}
