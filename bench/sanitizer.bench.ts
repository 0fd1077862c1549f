/**
 * HTMLRewriter or the pure-JS sanitizer, measured inside workerd (README,
 * "HTMLRewriter vs pure JS"). `npm run bench -- sanitizer`.
 *
 * bench/sanitizer-worker.ts is bundled with esbuild and run by Miniflare (the
 * workerd that `wrangler dev` runs). Node sends it every summary and content
 * of the committed fixture feeds (all of them: Node decodes the legacy
 * charsets first), then asks it, in interleaved rounds, to sanitize them all
 * PASSES times with each contender:
 *
 *   js             sanitizeHtml (tokenize.ts + tree.ts + html.ts)
 *   rewriter       the same allow-list with HTMLRewriter, one pass per fragment
 *                  (bench/sanitizer-rewriter.ts, which leaves out what one
 *                  streaming pass cannot do, in HTMLRewriter's favour)
 *   rewriter-doc   all fragments as one document: streaming without the per-call cost
 *   rewriter-call  100 one-paragraph fragments: the fixed cost of one pass
 *   floor          nothing: the request's round trip, subtracted from the others
 *
 * workerd's own clock does not advance during CPU work (a Spectre
 * mitigation), so times are taken in Node around each request. Medians of
 * ROUNDS rounds are reported with their min-max, and the ratio of the two
 * sanitizers: no absolute time is a result.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { decodeBody } from '../src/parse/charset';
import { parseFeedText } from '../src/parse/index';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, '..', 'test', 'fixtures', 'feeds');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PASSES = 10;

function fragments(): Array<{ html: string; base: string }> {
  const out: Array<{ html: string; base: string }> = [];
  for (const file of readdirSync(FIXTURES).sort()) {
    const { feed } = parseFeedText(decodeBody(new Uint8Array(readFileSync(join(FIXTURES, file))), null).text);
    const base = feed.link && /^https?:/.test(feed.link) ? feed.link : 'https://fixtures.test/';
    for (const it of feed.items) for (const html of [it.content, it.summary]) if (html) out.push({ html, base });
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main(): Promise<void> {
  const bundle = await build({
    entryPoints: [join(HERE, 'sanitizer-worker.ts')], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false,
    mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'import'],
  });
  const mf = new Miniflare({ modules: true, script: bundle.outputFiles[0].text, compatibilityDate: '2026-04-20' });
  try {
    const frags = fragments();
    const bytes = frags.reduce((n, f) => n + f.html.length, 0);
    await mf.dispatchFetch('http://bench/load', { method: 'POST', body: JSON.stringify(frags) });
    const kinds = ['floor', 'js', 'rewriter', 'rewriter-doc', 'rewriter-call'] as const;
    const times: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k, []]));
    const ask = async (kind: string) => {
      const t = performance.now();
      const res = await mf.dispatchFetch(`http://bench/${kind}?rounds=${PASSES}`);
      await res.text();
      return performance.now() - t;
    };
    for (const k of kinds) await ask(k); // warm up every path once
    for (let r = 0; r < ROUNDS; r++) for (const k of kinds) times[k].push(await ask(k));
    const floor = median(times.floor);
    const perPass = (k: string) => times[k].map((t) => Math.max(0, t - floor) / PASSES);
    const js = perPass('js');
    const rw = perPass('rewriter');
    const ratios = rw.map((t, i) => t / js[i]);
    const mb = bytes / 1e6;
    const line = (label: string, xs: number[]) => `  ${label.padEnd(44)} ${median(xs).toFixed(1).padStart(7)} ms  (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})  ${(mb / (median(xs) / 1000)).toFixed(1)} MB/s`;
    console.log(`sanitizer choice, inside workerd: ${frags.length} fragments, ${(bytes / 1000).toFixed(0)} KB, median of ${ROUNDS} rounds of ${PASSES} passes (min-max)`);
    console.log(line('pure JS (tokenize.ts + tree.ts + html.ts)', js));
    console.log(line('HTMLRewriter, one pass per fragment', rw));
    console.log(line('HTMLRewriter, all fragments as one document', perPass('rewriter-doc')));
    console.log(`  HTMLRewriter fixed cost per fragment: ${((median(perPass('rewriter-call')) / 100) * 1000).toFixed(0)} µs`);
    const r = median(ratios);
    const choice = r > 1 ? 'the pure-JS sanitizer, Marquee\'s choice, is the faster one' : 'HTMLRewriter is the faster one here: Marquee\'s choice of the pure-JS sanitizer should be looked at again';
    console.log(`  HTMLRewriter / pure JS time: ${r.toFixed(1)}x (${Math.min(...ratios).toFixed(1)}-${Math.max(...ratios).toFixed(1)}): ${choice} (no goal; this decides which one runs)`);
    console.log(`  request round trip (floor, subtracted): ${floor.toFixed(2)} ms`);
  } finally {
    await mf.dispose();
  }
}

await main();
