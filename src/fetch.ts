/**
 * The fetch stage, and the only module that uses the network. One call
 * fetches one feed politely and safely:
 *
 * - a User-Agent naming Marquee and its project URL;
 * - conditional GET with the ETag and Last-Modified we hold (both are sent:
 *   RFC 9110 §13.1.1/§13.1.3 let a server change either without the other,
 *   and a server that evaluates If-None-Match ignores If-Modified-Since);
 * - redirects followed by hand (at most `maxRedirects`), each hop checked
 *   against the URL policy, and a permanent (301/308) target reported so the
 *   orchestrator can adopt it once it has been seen often enough;
 * - one timer covering headers and body: the per-request timeout, cut short
 *   by the run's deadline (the two fail with different codes, because running
 *   out of run time is not the source's fault);
 * - the body read as a stream and abandoned as soon as it passes `maxBodyBytes`
 *   (Content-Length is checked first when the server declares one);
 * - Retry-After, Cache-Control max-age (less Age) and Expires read off the response.
 *
 * The fetch function and the timers are injected, so tests can count requests
 * and drive the timeouts with a manual clock, and the benchmark can run this in Node.
 */
import { readUpTo } from './bytes';
import { FeedError } from './errors';

export type FetchFn = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export interface FetchOptions {
  etag: string | null;
  lastModified: string | null;
  timeoutMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  allowPrivate: boolean;
  userAgent: string;
  now: Date;
  /**
   * Milliseconds left before the run's deadline. When it is shorter than `timeoutMs` and runs
   * out, the fetch fails with DEADLINE instead of TIMEOUT.
   */
  deadlineMs?: number;
  /** Called before every request (redirect hops included); false means the run's subrequest budget is spent. */
  acquireSubrequest?: () => boolean;
  /** The timers behind the timeout and the retry pause; the platform's by default, a manual clock in tests. */
  timer?: Timer;
}

/** setTimeout and clearTimeout, injectable so that no test has to wait for the wall clock. */
export interface Timer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const PLATFORM_TIMER: Timer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** What every completed fetch reports, with or without a body. */
interface FetchResult {
  etag: string | null;
  lastModified: string | null;
  finalUrl: string;
  /** Target of a permanent redirect on the way, if any. */
  permanentRedirect: string | null;
  /** Seconds of freshness the server granted (Cache-Control max-age or Expires). */
  freshnessSeconds: number | null;
  requests: number;
  /** Requests sent again after a failed connection (counted in `requests` too). */
  retries: number;
  /** True when the request carried If-None-Match or If-Modified-Since. */
  conditional: boolean;
}

export interface FetchOk extends FetchResult {
  kind: 'ok';
  status: number;
  body: Uint8Array;
  contentType: string | null;
}

export interface FetchNotModified extends FetchResult {
  kind: 'not-modified';
  status: 304;
}

export type FetchOutcome = FetchOk | FetchNotModified;

/** A failed fetch, with how many requests it cost (redirect hops count). */
export class FetchFailure extends FeedError {
  requests = 1;
  retries = 0;
}

export const CONNECT_RETRY_DELAY_MS = 300;

// ---- URL policy -----------------------------------------------------------
//
// Addresses follow the IANA IPv4 and IPv6 Special-Purpose Address Registries
// (iana.org/assignments/iana-ipv4-special-registry, iana-ipv6-special-registry;
// RFC 6890): an address in a block that is not "globally reachable" is refused.
// The few globally reachable anycast services inside such blocks (AS112, AMT,
// PCP/TURN anycast) serve no feeds, so their whole blocks are refused. An IPv6
// address that embeds an IPv4 address (IPv4-mapped, -compatible, -translated,
// NAT64, 6to4) is judged by that IPv4 address, so no IPv6 spelling reaches a
// private IPv4 host.

/** IPv4 blocks that are not the public internet (IANA IPv4 Special-Purpose Address Registry, plus multicast). */
function ipv4NotPublic(a: number, b: number, c: number): boolean {
  return a === 0 || a === 10 || a === 127 || // "this network" (RFC 791), private (RFC 1918), loopback (RFC 1122)
    (a === 100 && b >= 64 && b <= 127) || // shared address space (CGNAT), RFC 6598
    (a === 169 && b === 254) || // link-local, RFC 3927
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || // private, RFC 1918
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments (RFC 6890), TEST-NET-1 (RFC 5737)
    (a === 192 && b === 88 && c === 99) || // 6to4 relay anycast, deprecated (RFC 7526)
    (a === 192 && ((b === 31 && c === 196) || (b === 52 && c === 193) || (b === 175 && c === 48))) || // AS112, AMT, AS112 (no feeds)
    (a === 198 && (b === 18 || b === 19)) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113) || // benchmarking (RFC 2544), TEST-NET-2/3
    a >= 224; // multicast (RFC 5771), reserved 240/4 (RFC 1112), limited broadcast
}

function ipv4Parts(host: string): [number, number, number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : null;
}

/** Expand an IPv6 literal (as the URL parser serializes it) into eight 16-bit groups. */
function ipv6Groups(h: string): number[] | null {
  const [head, tail, ...rest] = h.split('::');
  if (rest.length) return null;
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const a = parse(head);
  const b = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? a : [...a, ...new Array(8 - a.length - b.length).fill(0), ...b];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

const v4At = (hi: number, lo: number) => ipv4NotPublic(hi >> 8, hi & 0xff, lo >> 8);

/** Whether an IPv6 address is outside the public internet, by the IANA IPv6 Special-Purpose Address Registry. */
function ipv6NotPublic(host: string): boolean {
  const g = ipv6Groups(host.replace(/^\[|\]$/g, '').toLowerCase());
  if (!g) return false;
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (g[0] === 0) {
    // ::/8 is reserved (IPv6 Address Space registry). Within it only the IPv4-embedding forms name a
    // host: IPv4-mapped ::ffff:0:0/96 (RFC 4291), IPv4-translated ::ffff:0:0:0/96 (RFC 2765) and the
    // deprecated IPv4-compatible ::/96 (RFC 4291 §2.5.5.1), each judged by its IPv4 address.
    // :: and ::1 (unspecified, loopback) are refused like everything else here.
    const embeds = zero(1, 5) && (g[5] === 0xffff || (g[5] === 0 && (g[6] !== 0 || g[7] > 1))) ||
      (zero(1, 4) && g[4] === 0xffff && g[5] === 0);
    return embeds ? v4At(g[6], g[7]) : true;
  }
  // 64:ff9b::/96, the NAT64 well-known prefix (RFC 6052): judged by its IPv4 address.
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4At(g[6], g[7]);
  // 64:ff9b:1::/48, local-use IPv4/IPv6 translation (RFC 8215): not globally reachable.
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return true;
  // 2002::/16, 6to4 (RFC 3056): the IPv4 address is in the next 32 bits.
  if (g[0] === 0x2002) return v4At(g[1], g[2]);
  // 2001::/23, IETF protocol assignments (RFC 2928): Teredo (which hides an IPv4 address),
  // benchmarking, ORCHID and anycast services; not globally reachable as a block.
  if (g[0] === 0x2001 && g[1] < 0x200) return true;
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation, RFC 3849
  if (g[0] === 0x3fff && g[1] < 0x1000) return true; // documentation, RFC 9637 (3fff::/20)
  // Everything outside 2000::/3, the global unicast space (RFC 4291 §2.4), is special or unassigned:
  // discard-only 100::/64 (RFC 6666), dummy prefix 100:0:0:1::/64 (RFC 9780), SRv6 SIDs 5f00::/16
  // (RFC 9602), unique local fc00::/7 (RFC 4193), deprecated site-local fec0::/10 (RFC 3879),
  // link-local fe80::/10, multicast ff00::/8 (RFC 4291).
  return (g[0] & 0xe000) !== 0x2000;
}

/** Names that only resolve inside a network: RFC 6761 special-use names and common local suffixes. */
function internalName(host: string): boolean {
  return host === 'localhost' || host === 'localhost.localdomain' ||
    /\.(localhost|localdomain|local|internal|intranet|lan|home\.arpa)$/.test(host);
}

/**
 * Why a URL may not be fetched, or null if it may. Only http(s), no
 * credentials, and (unless allowed) no loopback, private, link-local or
 * otherwise non-public address, and no name that only resolves inside a
 * network (`localhost`, `.local`, `.internal`, `.home.arpa`, single labels).
 * The WHATWG URL parser has already turned decimal, octal and hex IPv4 forms
 * into dotted quads, so `http://2130706433/` is judged as 127.0.0.1.
 *
 * Names are judged as written: Workers cannot resolve DNS before connecting,
 * so a public name that resolves to a private address is not caught here.
 * Deployed, subrequests leave from Cloudflare's network, where such an
 * address leads nowhere of ours; the check matters most where it does
 * (`wrangler dev` on a machine with services on loopback).
 */
export function urlPolicyViolation(raw: string, allowPrivate: boolean): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not an absolute URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol} is not http(s)`;
  if (u.username || u.password) return 'credentials in URLs are not accepted';
  if (allowPrivate) return null;
  const host = u.hostname.toLowerCase().replace(/\.+$/, '');
  const v4 = ipv4Parts(host);
  const singleLabel = !v4 && !host.includes(':') && !host.includes('.');
  if (internalName(host) || singleLabel || (v4 && ipv4NotPublic(v4[0], v4[1], v4[2])) || (host.startsWith('[') && ipv6NotPublic(host))) {
    return `host ${host} is loopback, private, link-local or not public (set ALLOW_PRIVATE_SOURCES=true for local development)`;
  }
  return null;
}

// ---- response headers -----------------------------------------------------

/** Retry-After as seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP-date). */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, Math.round((t - now.getTime()) / 1000));
}

/**
 * Seconds the response stays fresh: Cache-Control max-age, else Expires - Date (RFC 9111
 * §4.2.1), less the Age a cache in front of the publisher already spent (§4.2.3). `no-store`
 * and `no-cache` mean zero. Null when the server says nothing.
 */
export function freshnessSeconds(headers: Headers, now: Date): number | null {
  const cc = headers.get('cache-control');
  const age = Number(headers.get('age'));
  const spent = Number.isFinite(age) && age > 0 ? age : 0;
  if (cc) {
    if (/(?:^|,)\s*(?:no-store|no-cache)\b/i.test(cc)) return 0;
    const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)/i.exec(cc);
    if (m) return Math.max(0, Number(m[1]) - spent);
  }
  const exp = headers.get('expires');
  if (exp) {
    const t = Date.parse(exp);
    // §5.3: an invalid Expires (such as "0") means already expired.
    if (Number.isNaN(t)) return 0;
    const date = Date.parse(headers.get('date') ?? '');
    const base = Number.isNaN(date) ? now.getTime() : date;
    return Math.max(0, Math.round((t - base) / 1000) - spent);
  }
  return null;
}

// ---- the fetch ------------------------------------------------------------

/**
 * Read the body, giving up the moment it passes `max` bytes or the signal fires. Each read is
 * raced against the signal, so a server that sends headers and then stalls cannot hold the
 * read past the timeout in any runtime; cancelling the reader closes the connection.
 */
async function readCapped(res: Response, max: number, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (res.headers.has('content-length') && Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new FetchFailure('TOO_LARGE', 'fetch', `Content-Length ${declared} exceeds the ${max}-byte limit; not read`);
  }
  if (!res.body) return new Uint8Array(0);
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {}); // observed below; keep an unraced rejection from being reported
  try {
    const body = await readUpTo(res.body, max, (r) => Promise.race([r.read(), aborted]));
    if (!body) throw new FetchFailure('TOO_LARGE', 'fetch', `body passed the ${max}-byte limit; stopped reading`);
    return body;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function statusError(status: number, retryAfter: number | null, url: string): FetchFailure {
  const opts = { status, retryAfterSeconds: retryAfter };
  switch (status) {
    case 404:
      return new FetchFailure('NOT_FOUND', 'fetch', `HTTP 404 from ${url}`, opts);
    case 410:
      return new FetchFailure('GONE', 'fetch', `HTTP 410 Gone from ${url}: the publisher removed this feed`, opts);
    case 429:
      return new FetchFailure('RATE_LIMITED', 'fetch', `HTTP 429 from ${url}${retryAfter !== null ? `; Retry-After ${retryAfter}s` : ''}`, opts);
    case 503:
      return new FetchFailure('UNAVAILABLE', 'fetch', `HTTP 503 from ${url}${retryAfter !== null ? `; Retry-After ${retryAfter}s` : ''}`, opts);
    default:
      return new FetchFailure('HTTP_ERROR', 'fetch', `HTTP ${status} from ${url}`, opts);
  }
}

export async function fetchFeed(fetchFn: FetchFn, url: string, opts: FetchOptions): Promise<FetchOutcome> {
  const controller = new AbortController();
  const byDeadline = opts.deadlineMs !== undefined && opts.deadlineMs < opts.timeoutMs;
  const limitMs = Math.max(0, byDeadline ? opts.deadlineMs! : opts.timeoutMs);
  const reason = byDeadline
    ? new FetchFailure('DEADLINE', 'fetch', `the run's deadline came before a complete response (${limitMs} ms left)`)
    : new FetchFailure('TIMEOUT', 'fetch', `no complete response within ${opts.timeoutMs} ms`);
  const timers = opts.timer ?? PLATFORM_TIMER;
  const timer = timers.set(() => controller.abort(reason), limitMs);
  const conditional = Boolean(opts.etag || opts.lastModified);
  let current = url;
  let requests = 0;
  let retries = 0;
  let permanentRedirect: string | null = null;
  let allPermanent = true;
  try {
    for (let hop = 0; ; hop++) {
      const violation = urlPolicyViolation(current, opts.allowPrivate);
      if (violation) throw new FetchFailure('BLOCKED_URL', 'fetch', `${current}: ${violation}`);
      const headers: Record<string, string> = {
        'User-Agent': opts.userAgent,
        Accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.7, */*;q=0.5',
      };
      // Validators belong to the URL they came from; after a redirect they still describe the
      // same feed, so they are sent on every hop.
      if (opts.etag) headers['If-None-Match'] = opts.etag;
      if (opts.lastModified) headers['If-Modified-Since'] = opts.lastModified;
      let res: Response | null = null;
      // A connection that fails before any response (reset, refused, dropped) is retried once
      // after a short pause: GET is idempotent and such failures are often momentary.
      for (let attempt = 0; res === null; attempt++) {
        if (opts.acquireSubrequest && !opts.acquireSubrequest()) {
          throw new FetchFailure('BUDGET_EXHAUSTED', 'fetch', `the run's subrequest budget ran out before ${current}`);
        }
        requests++;
        try {
          res = await fetchFn(current, { method: 'GET', headers, redirect: 'manual', signal: controller.signal });
        } catch (err) {
          if (controller.signal.aborted) throw controller.signal.reason;
          if (attempt === 0) {
            retries++;
            await new Promise<void>((r) => timers.set(r, CONNECT_RETRY_DELAY_MS));
            continue;
          }
          const msg = err instanceof Error ? err.message : String(err);
          throw new FetchFailure('CONNECTION_FAILED', 'fetch', `${current}: ${msg.slice(0, 200)}`, { cause: err });
        }
      }
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        const loc = res.headers.get('location');
        await res.body?.cancel().catch(() => {});
        if (!loc) throw new FetchFailure('HTTP_ERROR', 'fetch', `HTTP ${res.status} without a Location header from ${current}`, { status: res.status });
        if (hop >= opts.maxRedirects) throw new FetchFailure('TOO_MANY_REDIRECTS', 'fetch', `more than ${opts.maxRedirects} redirects starting at ${url}`, { status: res.status });
        const next = new URL(loc, current).href;
        // A chain only counts as a permanent move if every hop on it was permanent.
        allPermanent = allPermanent && (res.status === 301 || res.status === 308);
        permanentRedirect = allPermanent ? next : null;
        current = next;
        continue;
      }
      const fresh = freshnessSeconds(res.headers, opts.now);
      if (res.status === 304) {
        await res.body?.cancel().catch(() => {});
        return {
          kind: 'not-modified', status: 304, etag: res.headers.get('etag') ?? opts.etag,
          lastModified: res.headers.get('last-modified') ?? opts.lastModified, finalUrl: current, permanentRedirect,
          freshnessSeconds: fresh, requests, retries, conditional,
        };
      }
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel().catch(() => {});
        throw statusError(res.status, parseRetryAfter(res.headers.get('retry-after'), opts.now), current);
      }
      const body = await readCapped(res, opts.maxBodyBytes, controller.signal);
      return {
        kind: 'ok', status: res.status, body, contentType: res.headers.get('content-type'), etag: res.headers.get('etag'),
        lastModified: res.headers.get('last-modified'), finalUrl: current, permanentRedirect, freshnessSeconds: fresh, requests,
        retries, conditional,
      };
    }
  } catch (err) {
    const failure = err instanceof FetchFailure ? err
      : controller.signal.aborted && controller.signal.reason instanceof FetchFailure ? controller.signal.reason
      : new FetchFailure('CONNECTION_FAILED', 'fetch', `${current}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300), { cause: err });
    failure.requests = Math.max(1, requests);
    failure.retries = retries;
    throw failure;
  } finally {
    timers.clear(timer);
  }
}
