/**
 * Dedupe + story grouping throughput, placed the way cron runs place them:
 * in batches of 100 new entries, each batch counted into the term statistics
 * and then placed one entry at a time, for windows of 1k, 10k and 50k entries.
 *
 * Entries are the labeled dev set's 5,337 real headlines, replayed as many
 * times as needed, each replay four days after the previous one (so old
 * stories close, as they would in a live stream) with its own ids and URLs.
 * Retention is applied as in production: at most 10,000 entries are kept.
 *
 * Baseline in the same run: the same placement with candidate retrieval
 * switched off (every live story compared with every entry), to show what
 * the inverted index saves. Reports CPU ms (process.cpuUsage), µs per entry,
 * the 50k/10k ratio and the state size written to KV.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuplicateIndex } from '../src/dedupe';
import { StoryIndex } from '../src/group';

const CSV = join(process.cwd(), '..', 'shared', 'corpus', 'clustering', 'uci-dev.csv');

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  return rows;
}

const RETENTION = 10_000;

interface Item { id: string; sourceId: string; url: string; title: string; summaryText: string; published: string; dupOf: null }

function load(): Array<{ title: string; host: string; ts: number }> {
  const [head, ...rows] = parseCsv(readFileSync(CSV, 'utf8'));
  const ix = (n: string) => head.indexOf(n);
  return rows.filter((r) => r.length > 5).map((r) => ({ title: r[ix('TITLE')], host: r[ix('HOSTNAME')], ts: Number(r[ix('TIMESTAMP')]) })).sort((a, b) => a.ts - b.ts);
}

function stream(base: ReturnType<typeof load>, n: number): Item[] {
  const out: Item[] = [];
  // Replays start 4 days apart: past the story window and the headline-copy window.
  const span = 96 * 3_600_000;
  for (let rep = 0; out.length < n; rep++) {
    for (const r of base) {
      if (out.length >= n) break;
      const i = out.length;
      out.push({ id: `${r.host}:${i.toString(16).padStart(16, '0')}`, sourceId: r.host, url: `https://${r.host}/${rep}/${i}`, title: r.title, summaryText: '', published: new Date(r.ts + rep * span).toISOString(), dupOf: null });
    }
  }
  return out;
}

function run(items: Item[], opts: { bruteForce: boolean }) {
  const start = process.cpuUsage();
  const now = new Date(items[items.length - 1].published);
  const stories = new StoryIndex([], null, { windowHours: 72, now });
  if (opts.bruteForce) {
    // Every story is a candidate for every entry: no inverted index.
    const s = stories as unknown as { candidates: (t: Iterable<number>, time: number) => unknown[]; stories: Map<string, { t: number }> };
    s.candidates = (_terms, time) => [...s.stories.values()].filter((x) => x.t >= time - 72 * 3_600_000);
  }
  const dupes = new DuplicateIndex([], null);
  let dups = 0;
  for (let b = 0; b < items.length; b += 100) {
    const batch = items.slice(b, b + 100);
    // Retention: the catalog keeps at most RETENTION entries; older ones leave the statistics.
    const expired = items.slice(Math.max(0, b - RETENTION), Math.max(0, b + batch.length - RETENTION));
    if (expired.length) {
      stories.forget(expired);
      dupes.forget(expired.map((e) => e.id));
    }
    stories.count(batch);
    for (const e of batch) {
      const d = dupes.match(e);
      if (d) dups++;
      else stories.place(e);
      dupes.add(e);
    }
  }
  const cpu = process.cpuUsage(start);
  const stateBytes = JSON.stringify(stories.state()).length + JSON.stringify(dupes.state(items.slice(-RETENTION).map((e) => e.id))).length;
  return { cpuMs: (cpu.user + cpu.system) / 1000, dups, stories: stories.size, stateBytes };
}

const base = load();
console.log(`dev set: ${base.length} headlines; batches of 100; window 72 h`);
const results = new Map<number, ReturnType<typeof run>>();
for (const n of [1_000, 10_000, 50_000]) {
  const items = stream(base, n);
  run(items.slice(0, 500), { bruteForce: false }); // warm up the JIT
  const r = run(items, { bruteForce: false });
  results.set(n, r);
  const line = `${String(n).padStart(6)} entries: ${r.cpuMs.toFixed(0).padStart(6)} ms CPU, ${((r.cpuMs * 1000) / n).toFixed(0).padStart(4)} µs/entry, ${r.dups} duplicates, ${r.stories} open stories, state ${(r.stateBytes / 1024).toFixed(0)} KB`;
  if (n <= 10_000) {
    const bf = run(items, { bruteForce: true });
    console.log(`${line} | all-pairs baseline ${bf.cpuMs.toFixed(0)} ms: index is ${(bf.cpuMs / r.cpuMs).toFixed(1)}x faster`);
  } else console.log(line);
}
const r10 = results.get(10_000)!;
const r50 = results.get(50_000)!;
console.log(`50k / 10k CPU ratio: ${(r50.cpuMs / r10.cpuMs).toFixed(2)} (5.00 would be perfectly linear; target <= 6)`);
console.log(`10k entries placed in ${(r10.cpuMs / 1000).toFixed(2)} s of CPU (target <= 1 s)`);
