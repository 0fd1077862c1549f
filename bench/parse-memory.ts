/**
 * Child of bench/parse.bench.ts: parse and normalize one ~5 MB feed, from
 * bytes, as refresh.ts does, in a process whose heap is capped (the parent
 * sets the flags and reads V8's --trace-gc output for the peak). It prints
 * the document size and V8's own heap numbers around the run.
 */
import { getHeapStatistics } from 'node:v8';
import { normalizeFeed } from '../src/normalize/index';
import { parseFeedBody } from '../src/parse/index';
import { syntheticRssOfSize } from './parse-fixtures';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

const bytes = new TextEncoder().encode(syntheticRssOfSize(5 * 1024 * 1024).xml);
gc();
const before = process.memoryUsage().heapUsed;
const { feed } = parseFeedBody(bytes, 'application/rss+xml; charset=utf-8');
const entries = normalizeFeed(feed, {
  source: { id: 'bench', url: 'https://synthetic.example/feed', title: null, home_page_url: null, category: null },
  feedUrl: 'https://synthetic.example/feed',
  now: new Date('2026-11-26T08:00:00Z'),
});
const after = process.memoryUsage().heapUsed;
const stats = getHeapStatistics();
console.log(`memory: document ${mb(bytes.length)} MB, ${entries.length} entries; heap used ${mb(before)} MB before, ${mb(after)} MB after (results still live); ` +
  `heap committed ${mb(stats.total_heap_size)} MB, limit ${mb(stats.heap_size_limit)} MB`);
