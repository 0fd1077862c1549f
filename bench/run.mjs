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
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, f)], { stdio: 'inherit', cwd: join(here, '..') });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
