#!/usr/bin/env node
// `npm start [-- wrangler dev options]`: run Marquee locally with wrangler dev, offline.
//
// - listens on 127.0.0.1:8787 unless --port/--ip are given;
// - local KV persists under .wrangler/state (wrangler's default);
// - MARQUEE_ALLOW_PRIVATE_SOURCES (default true here) lets sources live on loopback fixture servers;
// - MARQUEE_ADMIN_TOKEN, when set, becomes the ADMIN_TOKEN secret through a private env file
//   (never a --var, which wrangler would print); otherwise .dev.vars is used as usual;
// - /__scheduled triggers the cron handler (--test-scheduled);
// - wrangler's telemetry and Cloudflare's request.cf lookup are off, so nothing phones home.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
if (!existsSync(wrangler)) {
  console.error('Dependencies are missing: run `npm ci` first.');
  process.exit(1);
}

const passthrough = process.argv.slice(2);
const has = (flag) => passthrough.some((a) => a === flag || a.startsWith(`${flag}=`));
const args = ['dev', '--test-scheduled', '--show-interactive-dev-session=false'];
if (!has('--ip')) args.push('--ip', '127.0.0.1');
if (!has('--port')) args.push('--port', '8787');
const allowPrivate = process.env.MARQUEE_ALLOW_PRIVATE_SOURCES ?? 'true';
args.push('--var', `ALLOW_PRIVATE_SOURCES:${allowPrivate}`);

let secretsDir = null;
if (process.env.MARQUEE_ADMIN_TOKEN) {
  secretsDir = mkdtempSync(join(tmpdir(), 'marquee-'));
  const file = join(secretsDir, 'admin.env');
  writeFileSync(file, `ADMIN_TOKEN=${JSON.stringify(process.env.MARQUEE_ADMIN_TOKEN)}\n`, { mode: 0o600 });
  args.push('--env-file', file);
}
args.push(...passthrough);

const child = spawn(wrangler, args, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
});
const cleanup = () => secretsDir && rmSync(secretsDir, { recursive: true, force: true });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  cleanup();
  process.exit(code ?? (signal ? 1 : 0));
});
