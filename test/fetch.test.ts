/**
 * The fetch stage in Node, over real sockets to a fixture server this file
 * starts (the same server the workerd suites use). workerd's own fetch is
 * covered by test/integration/faults.test.ts.
 *
 * No test waits on, or asserts, the wall clock: the timeout and the retry pause
 * run on a manual clock (`ManualTimer`) that a test advances when the event it
 * is about (a request seen, headers received) has happened.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONNECT_RETRY_DELAY_MS, FetchFailure, fetchFeed, freshnessSeconds, parseRetryAfter, urlPolicyViolation, type FetchOptions, type Timer } from '../src/fetch';
import { startFixtureServer, type FixtureServer } from './support/fixture-server';

const NOW = new Date('2026-11-26T08:00:00Z');
const UA = 'Marquee/0.1 (+https://github.com/marquee-news/marquee)';
let fx: FixtureServer;
const url = (p: string) => `${fx.origin}/s/fetch${p}`;
const control = (p: string, init?: RequestInit) => fetch(`${fx.origin}/__s/fetch${p}`, init);
const log = async () => (await (await control('/log')).json()) as FixtureServer['log'];

/** Timers that fire only when the test says: advance(ms) fires, in order, every timer due by then. */
class ManualTimer implements Timer {
  now = 0;
  pending: Array<{ fn: () => void; at: number; ms: number }> = [];
  set(fn: () => void, ms: number) {
    const t = { fn, at: this.now + ms, ms };
    this.pending.push(t);
    return t;
  }
  clear(handle: unknown) {
    this.pending = this.pending.filter((t) => t !== handle);
  }
  advance(ms: number) {
    this.now += ms;
    for (const t of this.pending.filter((x) => x.at <= this.now).sort((a, b) => a.at - b.at)) {
      this.clear(t);
      t.fn();
    }
  }
}

/** Wait, without a deadline of its own, until `check` holds (polled between event-loop turns). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 5));
}

let clock: ManualTimer;
const opts = (over: Partial<FetchOptions> = {}): FetchOptions => ({
  etag: null, lastModified: null, timeoutMs: 2000, maxBodyBytes: 256 * 1024, maxRedirects: 5, allowPrivate: true, userAgent: UA, now: NOW,
  timer: clock, ...over,
});

async function failure(p: Promise<unknown>): Promise<FetchFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FetchFailure) return err;
    throw err;
  }
  throw new Error('expected a FetchFailure');
}

beforeAll(async () => {
  fx = await startFixtureServer({
    root: join(process.cwd(), 'test', 'fixtures', 'feeds'),
    routes: [
      // A public-looking first hop that redirects to a loopback address.
      (_req, res, u) => {
        if (u.pathname !== '/to-loopback') return false;
        res.statusCode = 302;
        res.setHeader('Location', 'http://127.0.0.1:9/private');
        res.end();
        return true;
      },
    ],
  });
  await control('/faults?on=1', { method: 'POST' });
});
afterAll(async () => {
  await fx.close();
});

describe('URL policy', () => {
  it.each([
    ['https://variety.com/feed/', null],
    ['http://feeds.bbci.co.uk/news/rss.xml', null],
    ['http://[2606:4700:4700::1111]/feed', null],
    ['ftp://example.com/feed', /scheme ftp: is not http\(s\)/],
    ['javascript:alert(1)', /scheme/],
    ['https://user:pass@example.com/feed', /credentials/],
    ['https://user@example.com/feed', /credentials/],
    ['not a url', /not an absolute URL/],
    ['http://localhost:8080/feed', /host localhost is/],
    ['http://localhost./feed', /host localhost is/],
    ['http://app.localhost/feed', /not public/],
    ['http://printer.local/feed', /not public/],
    ['http://metadata.google.internal/feed', /not public/],
    ['http://intranet/feed', /not public/],
    ['http://127.0.0.1/feed', /127\.0\.0\.1/],
    ['http://127.1/feed', /127\.0\.0\.1/], // the URL parser expands short forms
    ['http://2130706433/feed', /127\.0\.0\.1/], // and decimal ones
    ['http://0x7f000001/feed', /127\.0\.0\.1/], // and hex
    ['http://10.1.2.3/feed', /not public/],
    ['http://172.16.0.1/feed', /not public/],
    ['http://192.168.1.1/feed', /not public/],
    ['http://169.254.169.254/latest/meta-data/', /not public/],
    ['http://100.64.0.1/feed', /not public/],
    ['http://0.0.0.0/feed', /not public/],
    ['http://[::1]/feed', /not public/],
    ['http://[fe80::1]/feed', /not public/],
    ['http://[fd00::1]/feed', /not public/],
    ['http://[::ffff:127.0.0.1]/feed', /not public/], // serialized as [::ffff:7f00:1]
    ['http://[::ffff:a9fe:a9fe]/feed', /not public/],
    ['http://[64:ff9b::10.0.0.1]/feed', /not public/],
    ['http://[::ffff:8.8.8.8]/feed', null],
    ['http://8.8.8.8/feed', null],
    // Issue 13 item 9: forms a hostile tester got through, and their neighbours in the IANA
    // IPv4/IPv6 Special-Purpose Address Registries.
    ['http://[::ffff:0:127.0.0.1]/feed', /not public/], // IPv4-translated, RFC 2765
    ['http://[::127.0.0.1]/feed', /not public/], // IPv4-compatible, RFC 4291
    ['http://[64:ff9b:1::7f00:1]/feed', /not public/], // local-use NAT64, RFC 8215
    ['http://[64:ff9b::7f00:1]/feed', /not public/], // NAT64 well-known prefix with a loopback inside
    ['http://[64:ff9b::8.8.8.8]/feed', null],
    ['http://[2002:7f00:1::]/feed', /not public/], // 6to4 of 127.0.0.1, RFC 3056
    ['http://[2002:a00:1::1]/feed', /not public/], // 6to4 of 10.0.0.1
    ['http://[2002:808:808::1]/feed', null], // 6to4 of 8.8.8.8
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/feed', /not public/], // Teredo, RFC 4380
    ['http://[2001:2::1]/feed', /not public/], // benchmarking, RFC 5180
    ['http://[2001:db8::1]/feed', /not public/], // documentation, RFC 3849
    ['http://[3fff::1]/feed', /not public/], // documentation, RFC 9637
    ['http://[fec0::1]/feed', /not public/], // site-local, RFC 3879
    ['http://[100::1]/feed', /not public/], // discard-only, RFC 6666
    ['http://[5f00::1]/feed', /not public/], // SRv6 SIDs, RFC 9602
    ['http://[ff02::1]/feed', /not public/], // multicast
    ['http://[::]/feed', /not public/], // unspecified
    ['http://[4000::1]/feed', /not public/], // outside 2000::/3: unassigned
    ['http://localhost.localdomain/feed', /not public/],
    ['http://feeds.localdomain/feed', /not public/],
    ['http://192.88.99.1/feed', /not public/], // 6to4 relay anycast, RFC 7526
    ['http://240.0.0.1/feed', /not public/],
    ['http://[2a00:1450:4001:82b::200e]/feed', null], // a public IPv6 address
    ['http://constructor/feed', /not public/],
  ])('%s', (raw, want) => {
    const v = urlPolicyViolation(raw, false);
    if (want === null) expect(v).toBeNull();
    else expect(v).toMatch(want);
  });

  it('lets private hosts through only when allowed, never credentials or other schemes', () => {
    expect(urlPolicyViolation('http://127.0.0.1:8000/feed', true)).toBeNull();
    expect(urlPolicyViolation('http://u:p@127.0.0.1/feed', true)).toMatch(/credentials/);
    expect(urlPolicyViolation('file:///etc/passwd', true)).toMatch(/scheme/);
  });
});

describe('response headers', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120);
    expect(parseRetryAfter(new Date(NOW.getTime() + 3600_000).toUTCString(), NOW)).toBe(3600);
    expect(parseRetryAfter(new Date(NOW.getTime() - 3600_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter(null, NOW)).toBeNull();
  });

  it('reads freshness from max-age less Age, else Expires - Date', () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(freshnessSeconds(h({ 'Cache-Control': 'public, max-age=600' }), NOW)).toBe(600);
    expect(freshnessSeconds(h({ 'Cache-Control': 'max-age=600', Age: '100' }), NOW)).toBe(500);
    expect(freshnessSeconds(h({ 'Cache-Control': 'no-cache' }), NOW)).toBe(0);
    expect(freshnessSeconds(h({ Date: NOW.toUTCString(), Expires: new Date(NOW.getTime() + 1800_000).toUTCString() }), NOW)).toBe(1800);
    expect(freshnessSeconds(h({ Expires: '0' }), NOW)).toBe(0);
    expect(freshnessSeconds(h({ 'Cache-Control': 'max-age=60', Expires: new Date(NOW.getTime() + 1800_000).toUTCString() }), NOW)).toBe(60);
    expect(freshnessSeconds(h({}), NOW)).toBeNull();
  });
});

describe('fetchFeed over HTTP', () => {
  beforeEach(() => {
    clock = new ManualTimer();
  });

  it('sends the User-Agent and both validators, and takes a 304 as not modified', async () => {
    const first = await fetchFeed(fetch, url('/gen/cond'), opts());
    expect(first.kind).toBe('ok');
    expect(first.conditional).toBe(false);
    const again = await fetchFeed(fetch, url('/gen/cond'), opts({ etag: first.etag, lastModified: first.lastModified }));
    expect(again).toMatchObject({ kind: 'not-modified', status: 304, etag: first.etag, conditional: true, requests: 1 });
    const seen = (await log()).filter((r) => r.path === '/s/fetch/gen/cond');
    expect(seen[1]).toMatchObject({ inm: first.etag, ims: first.lastModified, ua: UA, status: 304 });
    // Last-Modified alone is enough.
    const lmOnly = await fetchFeed(fetch, url('/gen/cond'), opts({ lastModified: first.lastModified }));
    expect(lmOnly.kind).toBe('not-modified');
  });

  it('reports a permanent redirect only when every hop was permanent', async () => {
    const moved = await fetchFeed(fetch, url('/fault/moved/r'), opts());
    expect(moved).toMatchObject({ kind: 'ok', permanentRedirect: url('/moved/r'), finalUrl: url('/moved/r'), requests: 2 });
    const temp = await fetchFeed(fetch, url('/fault/temp/r'), opts());
    expect(temp).toMatchObject({ kind: 'ok', permanentRedirect: null, finalUrl: url('/moved/r') });
  });

  it('stops a redirect loop after MAX_REDIRECTS hops, each hop costing a subrequest', async () => {
    const f = await failure(fetchFeed(fetch, url('/fault/loop/l'), opts({ maxRedirects: 5 })));
    expect(f).toMatchObject({ code: 'TOO_MANY_REDIRECTS', stage: 'fetch', requests: 6 });
    let granted = 0;
    const budget = await failure(fetchFeed(fetch, url('/fault/loop/l2'), opts({ acquireSubrequest: () => granted++ < 3 })));
    expect(budget).toMatchObject({ code: 'BUDGET_EXHAUSTED', requests: 3 });
  });

  it('checks every redirect hop against the URL policy', async () => {
    const viaPublicName = (input: Request | string | URL, init?: RequestInit) => fetch(String(input).replace('http://feeds.example.com', fx.origin), init);
    const f = await failure(fetchFeed(viaPublicName, 'http://feeds.example.com/to-loopback', opts({ allowPrivate: false })));
    expect(f.code).toBe('BLOCKED_URL');
    expect(f.message).toMatch(/^fetch: http:\/\/127\.0\.0\.1:9\/private: host 127\.0\.0\.1/);
  });

  it('abandons a body as soon as it passes the limit, and refuses a declared one unread', async () => {
    const f = await failure(fetchFeed(fetch, url('/fault/huge/h'), opts({ maxBodyBytes: 256 * 1024 })));
    expect(f.code).toBe('TOO_LARGE');
    expect(f.message).toMatch(/stopped reading/);
    const declared = await failure(fetchFeed(fetch, url('/fault/huge/h2?declare=1'), opts()));
    expect(declared.message).toBe('fetch: Content-Length 20971520 exceeds the 262144-byte limit; not read');
    // The server sees the connection close once the client has let go of it.
    await until(async () => (await log()).find((r) => r.path === '/s/fetch/fault/huge/h')?.closed === true);
    const stats = (await (await control('/stats')).json()) as { hugeBytes: Record<string, number> };
    // Far less than 20 MB left the server before the connection went away.
    expect(stats.hugeBytes['/fault/huge/h']).toBeLessThan(10 * 1024 * 1024);
  });

  it('times out on silence: the timer is set for timeoutMs, and firing it ends the fetch with TIMEOUT', async () => {
    const pending = failure(fetchFeed(fetch, url('/fault/timeout/t'), opts({ timeoutMs: 300 })));
    await until(async () => (await log()).some((r) => r.path === '/s/fetch/fault/timeout/t'));
    expect(clock.pending.map((t) => t.ms)).toEqual([300]);
    clock.advance(299);
    expect(clock.pending).toHaveLength(1); // not yet
    clock.advance(1);
    expect(await pending).toMatchObject({ code: 'TIMEOUT', message: 'fetch: no complete response within 300 ms' });
  });

  it('times out on a body that stalls after the headers: one timer covers headers and body', async () => {
    let headers = false;
    const watched = async (input: Request | string | URL, init?: RequestInit) => {
      const res = await fetch(input, init);
      headers = true;
      return res;
    };
    const pending = failure(fetchFeed(watched, url('/fault/stall/t'), opts({ timeoutMs: 300 })));
    await until(() => headers);
    clock.advance(300);
    expect((await pending).code).toBe('TIMEOUT');
  });

  it("gives the run's deadline its own code when it comes before the request's timeout", async () => {
    const pending = failure(fetchFeed(fetch, url('/fault/stall/t2'), opts({ timeoutMs: 5000, deadlineMs: 300 })));
    expect(clock.pending.map((t) => t.ms)).toEqual([300]);
    await until(async () => (await log()).some((r) => r.path === '/s/fetch/fault/stall/t2'));
    clock.advance(300);
    expect(await pending).toMatchObject({ code: 'DEADLINE' });
  });

  it('turns HTTP errors into coded failures with Retry-After', async () => {
    expect(await failure(fetchFeed(fetch, url('/fault/503/x?ra=120'), opts()))).toMatchObject({ code: 'UNAVAILABLE', status: 503, retryAfterSeconds: 120 });
    expect(await failure(fetchFeed(fetch, url('/fault/429/x'), opts()))).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: null });
    expect(await failure(fetchFeed(fetch, url('/fault/404/x'), opts()))).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(await failure(fetchFeed(fetch, url('/fault/410/x'), opts()))).toMatchObject({ code: 'GONE', status: 410 });
    expect(await failure(fetchFeed(fetch, url('/fault/500/x'), opts()))).toMatchObject({ code: 'HTTP_ERROR', status: 500 });
  });

  it('retries a refused connection once, after a pause on the clock, then fails with CONNECTION_FAILED', async () => {
    const { origin } = (await (await fetch(`${fx.origin}/__side?up=0`, { method: 'POST' })).json()) as { origin: string };
    const pending = failure(fetchFeed(fetch, `${origin}/gen/x`, opts()));
    // The first attempt failed: the retry waits for the pause, and nothing happens until it passes.
    await until(() => clock.pending.some((t) => t.ms === CONNECT_RETRY_DELAY_MS));
    clock.advance(CONNECT_RETRY_DELAY_MS);
    expect(await pending).toMatchObject({ code: 'CONNECTION_FAILED', requests: 2 });
    await fetch(`${fx.origin}/__side?up=1`, { method: 'POST' });
  });
});
