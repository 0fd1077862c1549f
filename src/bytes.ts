/**
 * Reading a byte stream to its end without ever holding more than a limit:
 * the one loop behind a fetched feed body (fetch.ts), an inflated gzip body
 * (parse/index.ts) and an uploaded source list (http.ts).
 */

type Reader = ReadableStreamDefaultReader<Uint8Array>;

/**
 * The stream's bytes, or null as soon as they pass `max` (the stream is then cancelled, so the
 * rest is never read). `next` reads one chunk; a caller can race it against a deadline. If it
 * throws, the stream is cancelled and the error goes to the caller.
 */
export async function readUpTo(stream: ReadableStream<Uint8Array>, max: number, next: (r: Reader) => Promise<ReadableStreamReadResult<Uint8Array>> = (r) => r.read()): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await next(reader);
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
