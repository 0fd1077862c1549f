/**
 * Running the Debian clients: fail loudly, with the install command, when one is
 * missing (the suite must not pass by skipping), and run them with a time limit.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';
export const NEWSBOAT = '/usr/bin/newsboat';
export const CHROMIUM = '/usr/bin/chromium';

const PACKAGES: Record<string, string> = { [PYTHON]: 'python3 python3-feedparser', [NEWSBOAT]: 'newsboat', [CHROMIUM]: 'chromium' };

export function requireTool(path: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install -y ${PACKAGES[path] ?? path} (.ci/run does this)`);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  requireTool(cmd);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${opts.timeoutMs ?? 120_000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
