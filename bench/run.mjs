#!/usr/bin/env node
// `npm run bench [-- name ...]`: runs every bench/*.bench.ts (or the named ones) one after
// another, each in its own Node process (so peak-memory numbers are per benchmark), and
// prints their reports. Each benchmark prints ratios against a baseline measured in the
// same run; no benchmark asserts a wall-clock time.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const files = wanted.length ? all.filter((f) => wanted.some((w) => f.startsWith(w))) : all;
if (!files.length) {
  console.error(`no benchmark matches ${wanted.join(' ')}; have: ${all.join(', ')}`);
  process.exit(1);
}
// The workerd benchmarks talk to V8's inspector over a WebSocket, which Node 20 has behind a flag.
const websocket = typeof WebSocket === 'undefined' ? ['--experimental-websocket'] : [];
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', ...websocket, '--import', 'tsx', join(here, f)], { stdio: 'inherit', cwd: join(here, '..') });
  if (r.status !== 0) failed++;
  console.log(`=== ${f}: ${r.status === 0 ? 'done' : 'FAILED'} in ${((Date.now() - started) / 60_000).toFixed(1)} min ===`);
}
process.exit(failed ? 1 : 0);
