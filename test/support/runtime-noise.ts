/**
 * workerd logs "uncaught exception ... Network connection lost" (two lines, with its own stack)
 * for every outbound fetch whose connection fails, even when the code that made the fetch
 * catches the rejection: a test doing `try { await fetch(refusedPort) } catch {}` alone prints
 * both lines. The fault tests refuse and drop connections on purpose, so a green run printed a
 * dozen of them and a real unhandled rejection would drown among them. The workers pool writes
 * workerd's logs to the vitest process's stdout (these ones) and stderr; vitest.config.ts installs
 * this filter on both, and these two line shapes, and only these, are dropped.
 */
const RUNTIME_NOISE = [
  /^uncaught exception; source = Uncaught \(in promise\); stack = Error: Network connection lost\.$/,
  /^uncaught exception; exception = \S+: disconnected: jsg\.Error: Network connection lost\.$/,
];

export function isRuntimeNoise(line: string): boolean {
  return RUNTIME_NOISE.some((re) => re.test(line.trim()));
}

export function quietRuntimeNoise(): void {
  for (const stream of [process.stdout, process.stderr]) filter(stream);
}

function filter(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : null;
    if (text === null || !text.includes('Network connection lost')) return write(chunk, ...rest);
    const kept = text.split('\n').filter((line) => !isRuntimeNoise(line));
    return kept.join('').trim() === '' ? true : write(kept.join('\n'), ...rest);
  }) as typeof stream.write;
}
