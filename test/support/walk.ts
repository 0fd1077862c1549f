/** Every file under a directory, sorted, for suites that walk the corpus. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function walkFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walkFiles(p) : [p];
  });
}
