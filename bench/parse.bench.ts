/**
 * Parse and normalize throughput, with its baselines measured in the same run
 * (bench/README.md). `npm run bench -- parse`.
 *
 * Inputs: the real captures (RSS/RDF/Atom under ../shared/corpus/feeds/real,
 * or the committed fixtures without it) and synthetic RSS feeds of 500 and
 * 5,000 items (bench/parse-fixtures.ts). Every contender gets the same
 * decoded strings:
 *
 *   rss-parser        Parser#parseString (xml2js underneath), the usual choice
 *   marquee parse     parseFeedText: XML reading and format adapters
 *   marquee full      parseFeedText + normalizeFeed (URLs, dates, sanitizing, ids)
 *   JSON.parse        of the same feeds written as JSON (JSON.stringify of our
 *                     parse result): the floor no feed reader gets under
 *
 * Rounds are interleaved (each round runs every contender once) and the
 * median is reported, so load from other processes hits all of them alike.
 * The goal: marquee full at least 1.3x rss-parser's throughput; and the peak heap of a 5 MB
 * feed under 64 MB.
 *
 * Peak heap for a 5 MB feed is measured in a child process
 * (bench/parse-memory.ts) whose heap is capped at 64 MB, from V8's own GC
 * trace: the largest heap size seen at any collection.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Parser from 'rss-parser';
import { normalizeFeed } from '../src/normalize/index';
import { decodeBody } from '../src/parse/charset';
import { parseFeedText } from '../src/parse/index';
import { realFeeds, syntheticRss } from './parse-fixtures';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const NOW = new Date('2026-11-26T08:00:00Z');
const SOURCE = { id: 'bench', url: 'https://synthetic.example/feed', title: null, home_page_url: null, category: null };
const rss = new Parser();
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

interface Input {
  name: string;
  texts: string[];
  bytes: number;
  items: number;
  json: string[];
}

function prepare(name: string, texts: string[]): Input {
  let items = 0;
  const json: string[] = [];
  const kept: string[] = [];
  for (const t of texts) {
    try {
      const { feed } = parseFeedText(t);
      items += feed.items.length;
      json.push(JSON.stringify(feed));
      kept.push(t);
    } catch {
      // a document we refuse is left out of every contender's input
    }
  }
  return { name, texts: kept, bytes: kept.reduce((n, t) => n + Buffer.byteLength(t), 0), items, json };
}

type Contender = { name: string; run: (input: Input) => Promise<void> | void };

const contenders: Contender[] = [
  {
    name: 'rss-parser',
    run: async (input) => {
      for (const t of input.texts) {
        try {
          await rss.parseString(t);
        } catch {
          // counted like any other input: rss-parser's time to fail is its time
        }
      }
    },
  },
  { name: 'marquee parse', run: (input) => void input.texts.forEach((t) => parseFeedText(t)) },
  {
    name: 'marquee full',
    run: (input) => {
      for (const t of input.texts) normalizeFeed(parseFeedText(t).feed, { source: SOURCE, feedUrl: SOURCE.url, now: NOW });
    },
  },
  { name: 'JSON.parse', run: (input) => void input.json.forEach((j) => JSON.parse(j)) },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function measure(input: Input): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = {};
  for (const c of contenders) await c.run(input); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of contenders) {
      gc();
      const t = performance.now();
      await c.run(input);
      (times[c.name] ??= []).push(performance.now() - t);
    }
  }
  return times;
}

function table(input: Input, times: Record<string, number[]>): void {
  const mb = input.bytes / 1e6;
  const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const best = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.min(...v)]));
  console.log(`\n${input.name}: ${input.texts.length} documents, ${mb.toFixed(2)} MB, ${input.items} items (median of ${ROUNDS} rounds; best in brackets)`);
  console.log('  contender           ms           MB/s      items/s');
  for (const name of Object.keys(med)) {
    const t = med[name];
    console.log(`  ${name.padEnd(14)} ${t.toFixed(1).padStart(8)} [${best[name].toFixed(1).padStart(6)}] ${(mb / (t / 1000)).toFixed(1).padStart(7)} ${Math.round(input.items / (t / 1000)).toString().padStart(11)}`);
  }
  const ratio = (a: string, b: string, m: Record<string, number>) => (m[a] / m[b]).toFixed(2);
  const full = med['rss-parser'] / med['marquee full'];
  const goal = full >= 1.3 ? `goal met (${full.toFixed(2)} >= 1.3)` : `goal NOT met (${full.toFixed(2)} < 1.3)`;
  console.log(`  throughput vs rss-parser: marquee full ${ratio('rss-parser', 'marquee full', med)}x [${ratio('rss-parser', 'marquee full', best)}x]: ${goal}; marquee parse ${ratio('rss-parser', 'marquee parse', med)}x [${ratio('rss-parser', 'marquee parse', best)}x]`);
  console.log(`  ratio vs JSON.parse (the floor): marquee full takes ${ratio('marquee full', 'JSON.parse', med)}x its time, marquee parse ${ratio('marquee parse', 'JSON.parse', med)}x`);
}

function peakHeap(): boolean {
  // 56 MB old generation + 2 x 4 MB semi-spaces: the child cannot use more than 64 MB of heap.
  const args = ['--expose-gc', '--trace-gc', '--max-old-space-size=56', '--max-semi-space-size=4', '--import', 'tsx', join(HERE, 'parse-memory.ts')];
  const r = spawnSync(process.execPath, args, { cwd: join(HERE, '..'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const peak = Math.max(0, ...[...r.stdout.matchAll(/: (?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^\d]*([\d.]+) \(([\d.]+)\) ->/g)].map((m) => Number(m[1])));
  const report = r.stdout.split('\n').filter((l) => l.startsWith('memory:')).join('\n  ');
  console.log(`\n5 MB synthetic feed, peak heap (child process capped at 64 MB, largest heap seen at a GC): ${peak.toFixed(1)} MB`);
  if (report) console.log(`  ${report}`);
  const ok = r.status === 0 && peak > 0 && peak < 64;
  const failed = r.status !== 0 ? ` (the child failed, exit ${r.status}${r.stderr ? `: ${r.stderr.trim().split('\n').pop()}` : ''})` : '';
  console.log(`  ${ok ? `goal met (${peak.toFixed(1)} MB < 64 MB)` : `goal NOT met (${peak.toFixed(1)} MB, goal < 64 MB)${failed}`}`);
  return ok;
}

const real = realFeeds();
const inputs = [
  prepare(`real captures (${real.source.replace(/^.*\/(shared|test)\//, '$1/')})`, real.files.map((f) => decodeBody(f.bytes).text)),
  prepare('synthetic RSS, 500 items', [syntheticRss(500)]),
  prepare('synthetic RSS, 5,000 items', [syntheticRss(5000)]),
];
for (const input of inputs) table(input, await measure(input));
process.exitCode = peakHeap() ? 0 : 1;
