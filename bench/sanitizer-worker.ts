/**
 * The Worker bench/sanitizer.bench.ts runs inside workerd (Miniflare): it
 * holds the fragments it is sent and sanitizes them on request, with either
 * sanitizer, a given number of times; the response is a checksum so no work
 * can be skipped. `/floor` does nothing, to measure the request round trip.
 */
import { sanitizeHtml } from '../src/normalize/html';
import { sanitizeWithRewriter } from './sanitizer-rewriter';

interface Fragment {
  html: string;
  base: string;
}

let fragments: Fragment[] = [];

async function run(kind: string, rounds: number): Promise<number> {
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    if (kind === 'js') for (const f of fragments) n += sanitizeHtml(f.html, { base: f.base, maxTextChars: 12_000, maxPlainChars: 6_000 }).html.length;
    else if (kind === 'rewriter') for (const f of fragments) n += (await sanitizeWithRewriter(f.html, f.base)).html.length;
    else if (kind === 'rewriter-doc') n += (await sanitizeWithRewriter(fragments.map((f) => f.html).join('\n'), 'https://fixtures.test/')).html.length;
    else if (kind === 'rewriter-call') for (let i = 0; i < 100; i++) n += (await sanitizeWithRewriter('<p>x</p>', 'https://fixtures.test/')).html.length;
  }
  return n;
}

export default {
  async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === '/load') {
      fragments = await req.json();
      return new Response(String(fragments.length));
    }
    const kind = url.pathname.slice(1);
    if (kind === 'floor') return new Response('0');
    return new Response(String(await run(kind, Number(url.searchParams.get('rounds') ?? 1))));
  },
};
