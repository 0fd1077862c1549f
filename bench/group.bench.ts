/**
 * Dedupe + story grouping throughput, placed the way cron runs place them
 * (src/placement.ts): in batches of 100 new entries, each batch counted into
 * the term statistics and then placed one entry at a time, for streams of 1k,
 * 10k and 50k entries, with the in-memory state (src/grouping-state.ts).
 *
 * Two streams, from test/fixtures/eval: the UCI dev set's 5,337 real
 * headlines, and the real-feed dev set's 526 items with their summaries (more
 * terms per entry). Each is replayed as often as needed, each replay four days
 * after the previous one (so old stories close, as in a live stream), with its
 * own ids, URLs and a number in its headlines (so it is not a copy of the last). Retention is applied as in production: at most 10,000
 * entries are kept, and older ones leave the statistics and the index.
 *
 * Baseline in the same run, on the headline stream: the same placement with
 * candidate retrieval switched off (every open story is a candidate for every
 * entry). Reports CPU
 * ms (process.cpuUsage), µs per entry, the 50k/10k ratio against the goals
 * (10k <= 1 s of CPU, 50k <= 6 x 10k).
 */
import { forgetEntries, placeBatch } from '../src/placement';
import { MemoryGroupingState, type StoryRecord } from '../src/grouping-state';
import { loadReal, loadUci, type EvalItem } from '../scripts/eval/data';

const RETENTION = 10_000;
const BATCH = 100;
const WINDOW = { windowHours: 72 };

interface Item { id: string; sourceId: string; url: string; title: string; summaryText: string; published: string }

function stream(base: EvalItem[], n: number): Item[] {
  const sorted = [...base].sort((a, b) => a.time - b.time);
  const out: Item[] = [];
  // Replays start 4 days apart: past the story window.
  const span = 96 * 3_600_000;
  for (let rep = 0; out.length < n; rep++) {
    for (const r of sorted) {
      if (out.length >= n) break;
      const i = out.length;
      // Each replay's headlines carry its number, so a replay is new articles rather than copies
      // of the last one (dedupe requires the numbers of a copy to agree).
      out.push({ id: `${r.feed}:${i.toString(16).padStart(16, '0')}`, sourceId: r.feed, url: `https://${r.feed}.example/${rep}/${i}`, title: `${r.title} (${rep + 1})`, summaryText: r.summary, published: new Date(r.time + rep * span).toISOString() });
    }
  }
  return out;
}

/** Every open story is a candidate: what the inverted index saves. */
class AllPairs extends MemoryGroupingState {
  private readonly all = new Map<string, StoryRecord>();
  override putStory(s: StoryRecord): void {
    super.putStory(s);
    this.all.set(s.id, s);
  }
  override deleteStory(id: string): void {
    super.deleteStory(id);
    this.all.delete(id);
  }
  override storiesWithTerms(_terms: readonly number[], since: number, _limit: number, _minHits: number): StoryRecord[] {
    return [...this.all.values()].filter((s) => s.last >= since);
  }
}

function run(items: Item[], state: MemoryGroupingState) {
  const start = process.cpuUsage();
  let dups = 0;
  // The catalog's story ids, which a run reads for a copy of an earlier entry.
  const storyOf = new Map<string, string>();
  for (let b = 0; b < items.length; b += BATCH) {
    const batch = items.slice(b, b + BATCH);
    const expired = items.slice(Math.max(0, b - RETENTION), Math.max(0, b + batch.length - RETENTION));
    if (expired.length) {
      forgetEntries(state, expired, WINDOW);
      for (const e of expired) storyOf.delete(e.id);
    }
    for (const p of placeBatch(state, batch, WINDOW, (id) => storyOf.get(id))) {
      storyOf.set(p.entry.id, p.storyId);
      if (p.dupOf) dups++;
    }
  }
  const cpu = process.cpuUsage(start);
  return { cpuMs: (cpu.user + cpu.system) / 1000, dups, stories: state.openStories };
}

const report: string[] = [];
for (const [name, base] of [['UCI headlines', loadUci().items], ['real-dev headlines + summaries', loadReal().items]] as const) {
  console.log(`${name}: ${base.length} items replayed; batches of ${BATCH}; window 72 h; ${RETENTION} retained`);
  const cpu = new Map<number, number>();
  for (const n of [1_000, 10_000, 50_000]) {
    const items = stream(base, n);
    run(items.slice(0, 500), new MemoryGroupingState()); // warm up the JIT
    const r = run(items, new MemoryGroupingState());
    cpu.set(n, r.cpuMs);
    let line = `${String(n).padStart(6)} entries: ${r.cpuMs.toFixed(0).padStart(6)} ms CPU, ${((r.cpuMs * 1000) / n).toFixed(0).padStart(4)} µs/entry, ${r.dups} duplicates, ${r.stories} open stories`;
    if (n === 10_000 && name === 'UCI headlines') {
      const bf = run(items, new AllPairs());
      line += ` | all-pairs baseline ${bf.cpuMs.toFixed(0)} ms: the index is ${(bf.cpuMs / r.cpuMs).toFixed(1)}x faster`;
    }
    console.log(line);
  }
  const r10 = cpu.get(10_000)!;
  const ratio = cpu.get(50_000)! / r10;
  console.log(`  50k / 10k CPU ratio: ${ratio.toFixed(2)} (5.00 is linear): ${ratio <= 6 ? `goal met (${ratio.toFixed(2)} <= 6)` : `goal NOT met (${ratio.toFixed(2)} > 6): 50k entries cost more than 6 times 10k`}`);
  console.log(`  10k entries placed in ${(r10 / 1000).toFixed(2)} s of CPU: ${r10 <= 1000 ? `goal met (${(r10 / 1000).toFixed(2)} s <= 1 s)` : `goal NOT met (${(r10 / 1000).toFixed(2)} s > 1 s)`}`);
  report.push(`${name}: 10k ${(r10 / 1000).toFixed(2)} s (goal <= 1 s ${r10 <= 1000 ? 'met' : 'NOT met'}), 50k/10k ${ratio.toFixed(2)} (goal <= 6 ${ratio <= 6 ? 'met' : 'NOT met'})`);
}
console.log(report.join('; '));
