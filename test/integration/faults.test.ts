/**
 * Fault injection, inside workerd with real local KV and real sockets: one
 * source per kind of misbehaving publisher, next to well-behaved ones, on the
 * fixture server the tests start themselves (its `fault` routes, plus a second
 * listener that is closed to refuse connections).
 *
 * The life of the deployment, in order (tests in this file share storage):
 *  1. every source still behaves; one cron run stores 10 entries from each;
 *  2. faults switch on; five cron runs, 15 minutes apart, while the good
 *     sources publish one new item per run;
 *  3. the health record of every faulty source, its next due time, the good
 *     sources' freshness, and the entries stored in step 1 are checked;
 *  4. the publishers recover; the next run resets every counter.
 *
 * Timeouts are shortened through the same bindings wrangler.toml would set,
 * so the whole file runs in seconds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import type { RunSummary } from '../../src/model';
import { at, cronWith, fixtureScope, jsonWith, lastRun, PERIOD_MS, putSourcesWith, storedEntries } from '../support/runs';
import type { StoredEntry } from '../../src/model';

const T0 = new Date('2026-11-26T08:00:00Z');
const VARS = {
  FETCH_TIMEOUT_MS: '1500',
  RUN_DEADLINE_MS: '20000',
  MAX_BODY_BYTES: String(512 * 1024),
  REDIRECT_UPDATE_AFTER: '2',
};
const cfg = loadConfig({ MARQUEE_KV: null as never, ...VARS });
const fx = fixtureScope('faults');
const GOOD = ['good-a', 'good-b', 'good-c'];

/** Fault sources: id -> path under the scope (the refused one lives on the side listener). */
const FAULTS: Record<string, string> = {
  f500: '/fault/500/f500',
  f503: '/fault/503/f503?ra=7200',
  f429: '/fault/429/f429',
  f404: '/fault/404/f404',
  f410: '/fault/410/f410',
  timeout: '/fault/timeout/timeout',
  stall: '/fault/stall/stall',
  huge: '/fault/huge/huge',
  'huge-declared': '/fault/huge/huge-declared?declare=1',
  loop: '/fault/loop/loop',
  moved: '/fault/moved/moved',
  temp: '/fault/temp/temp',
  html: '/fault/html/html',
  badxml: '/fault/badxml/badxml',
  repairable: '/fault/repairable/repairable',
  empty: '/fault/empty/empty',
  flip: '/fault/flip/flip',
  utf16: '/fault/utf16/utf16',
};

/** What each faulty source's health must say after the faulty runs. */
const EXPECTED: Record<string, { status: 'healthy' | 'failing' | 'paused'; code: string | null; http: number | null }> = {
  f500: { status: 'failing', code: 'HTTP_ERROR', http: 500 },
  f503: { status: 'failing', code: 'UNAVAILABLE', http: 503 },
  f429: { status: 'failing', code: 'RATE_LIMITED', http: 429 },
  f404: { status: 'failing', code: 'NOT_FOUND', http: 404 },
  f410: { status: 'paused', code: 'GONE', http: 410 },
  refused: { status: 'failing', code: 'CONNECTION_FAILED', http: null },
  timeout: { status: 'failing', code: 'TIMEOUT', http: null },
  stall: { status: 'failing', code: 'TIMEOUT', http: null },
  huge: { status: 'failing', code: 'TOO_LARGE', http: null },
  'huge-declared': { status: 'failing', code: 'TOO_LARGE', http: null },
  loop: { status: 'failing', code: 'TOO_MANY_REDIRECTS', http: 302 },
  moved: { status: 'healthy', code: null, http: null },
  temp: { status: 'healthy', code: null, http: null },
  html: { status: 'failing', code: 'NOT_A_FEED', http: null },
  badxml: { status: 'failing', code: 'INVALID_FEED', http: null },
  repairable: { status: 'healthy', code: null, http: null },
  empty: { status: 'healthy', code: null, http: null },
  flip: { status: 'healthy', code: null, http: null },
  utf16: { status: 'healthy', code: null, http: null },
};

let refusedOrigin = '';
const storedAfterPhase1 = new Map<string, Set<string>>();
const runs: RunSummary[] = [];
const FAULTY_RUNS = 5;

async function catalog(): Promise<{ entries: StoredEntry[] }> {
  return { entries: await storedEntries() };
}

async function admin(): Promise<Record<string, any>> {
  const body: any = await jsonWith('/admin/sources', { admin: true }, VARS);
  return Object.fromEntries(body.sources.map((s: any) => [s.id, s]));
}

describe('a deployment with misbehaving publishers', () => {
  beforeAll(async () => {
    await fx.reset();
    refusedOrigin = (await fx.side(true)).origin;
    const list = [
      ...GOOD.map((id) => ({ id, url: fx.url(`/gen/${id}`) })),
      ...Object.entries(FAULTS).map(([id, path]) => ({ id, url: fx.url(path) })),
      { id: 'refused', url: `${refusedOrigin}/s/faults/gen/refused` },
    ];
    const res = await putSourcesWith(list, VARS);
    expect(res.status).toBe(200);
  });

  it('1. stores every source while all of them behave', async () => {
    await cronWith(T0, VARS);
    const run = await lastRun();
    expect(run.failed).toBe(0);
    expect(run.sourcesFetched).toBe(GOOD.length + Object.keys(FAULTS).length + 1);
    const cat = await catalog();
    for (const e of cat.entries) {
      if (!storedAfterPhase1.has(e.sourceId)) storedAfterPhase1.set(e.sourceId, new Set());
      storedAfterPhase1.get(e.sourceId)!.add(e.id);
    }
    // Ten items from each source, except the one whose fault is having none... which still had ten.
    for (const id of [...GOOD, ...Object.keys(FAULTS), 'refused']) expect(storedAfterPhase1.get(id)?.size, id).toBe(10);
    const utf16 = cat.entries.filter((e) => e.sourceId === 'utf16');
    expect(utf16.every((e) => e.title.startsWith('Café ünïcödé — 日本語の記事 '))).toBe(true);
  });

  it('2. keeps running through five cron runs of faults', async () => {
    await fx.faults(true);
    await fx.side(false);
    for (let r = 1; r <= FAULTY_RUNS; r++) {
      for (const g of GOOD) await fx.bump(g);
      await cronWith(at(T0, r), VARS);
      runs.push(await lastRun());
    }
    for (const run of runs) {
      // Within its deadline, and the deadline was never what stopped it.
      expect(run.durationMs).toBeLessThanOrEqual(cfg.runDeadlineMs);
      expect(run.deadlineHit).toBe(false);
      expect(run.subrequests).toBeLessThanOrEqual(cfg.subrequestBudget);
    }
  }, 60_000);

  it('3a. the good sources are fully up to date', async () => {
    const cat = await catalog();
    for (const g of GOOD) {
      const guids = new Set(cat.entries.filter((e) => e.sourceId === g).map((e) => e.guid));
      // Items 0..9 from the first run, then one more per faulty run.
      const expected = Array.from({ length: 10 + FAULTY_RUNS }, (_, i) => `${g}-${i}`);
      expect([...guids].sort()).toEqual(expected.sort());
    }
    const a = await admin();
    for (const g of GOOD) {
      expect(a[g].status).toBe('healthy');
      expect(a[g].last_success_at).toBe(at(T0, FAULTY_RUNS).toISOString());
    }
  });

  it('3b. no entry stored before the faults was lost', async () => {
    const ids = new Set((await catalog()).entries.map((e) => e.id));
    for (const [source, stored] of storedAfterPhase1) {
      for (const id of stored) expect(ids.has(id), `${source}: ${id}`).toBe(true);
    }
    const a = await admin();
    for (const id of Object.keys(EXPECTED)) expect(a[id].entries_stored, id).toBeGreaterThanOrEqual(10);
  });

  it('3c. every faulty source has the right health record', async () => {
    const a = await admin();
    for (const [id, want] of Object.entries(EXPECTED)) {
      const s = a[id];
      expect(s.status, id).toBe(want.status);
      expect(s.last_error?.code ?? null, id).toBe(want.code);
      if (want.code) {
        expect(s.last_error.stage, id).toBe(['html', 'badxml'].includes(id) ? 'parse' : 'fetch');
        expect(s.last_error.message.startsWith(`${s.last_error.stage}: `), id).toBe(true);
        expect(s.consecutive_failures, id).toBeGreaterThanOrEqual(1);
        expect(s.failing_since, id).toBe(at(T0, 1).toISOString());
        // The failure never cost the validators or the body hash of the last good fetch.
        expect(s.etag, id).toMatch(/^"/);
      } else {
        expect(s.consecutive_failures, id).toBe(0);
      }
      if (want.http !== null) expect(s.last_status, id).toBe(want.http);
    }
    // Failures counted: one per attempt. Each attempt is one run the source was tried in.
    const errorsBySource = new Map<string, number>();
    for (const run of runs) for (const e of run.errors) errorsBySource.set(e.sourceId, (errorsBySource.get(e.sourceId) ?? 0) + 1);
    for (const [id, want] of Object.entries(EXPECTED)) {
      if (want.status === 'failing') expect(a[id].consecutive_failures, id).toBe(errorsBySource.get(id));
    }
    // Cross-check against what the publishers saw: one response with that status per failure.
    const log = await fx.log();
    for (const id of ['f500', 'f503', 'f429', 'f404', 'f410']) {
      const seen = log.filter((r) => r.path === `/s/faults${FAULTS[id]}` && r.status === EXPECTED[id].http).length;
      expect(seen, id).toBe(a[id].consecutive_failures);
    }
    // The refused source's port was closed: the publisher saw only the first, healthy run.
    expect(log.filter((r) => r.path.includes('/gen/refused')).length).toBe(1);
    // Healthy ones answered 200 or, holding our validators, 304.
    for (const id of ['moved', 'temp', 'empty', 'flip', 'utf16']) expect([200, 304], id).toContain(a[id].last_status);
  });

  it('3d. waits are exponential, capped, honour Retry-After, and next_due_at is the first run after them', async () => {
    // next_due_at is computed at request time from the Worker's real clock, while the runs above
    // used simulated times; the first due run is after both the wait and the request.
    const a = await admin();
    const asked = Date.now();
    for (const [id, want] of Object.entries(EXPECTED)) {
      const s = a[id];
      if (want.status === 'paused') {
        expect(s.next_due_at, id).toBeNull();
        continue;
      }
      expect(Date.parse(s.next_due_at) % PERIOD_MS, id).toBe(0);
      if (want.status !== 'failing') continue;
      const wait = Date.parse(s.not_before) - Date.parse(s.last_fetch_at);
      expect(wait, id).toBeGreaterThanOrEqual(s.interval_minutes * 60_000);
      expect(wait, id).toBeLessThanOrEqual(Math.max(cfg.maxBackoffMinutes * 60_000, id === 'f503' ? 7200_000 : 0));
      // The first cron run at or after the end of the wait.
      expect(Date.parse(s.next_due_at), id).toBeGreaterThanOrEqual(Date.parse(s.not_before));
      const from = Math.max(Date.parse(s.not_before), asked);
      expect(Date.parse(s.next_due_at), id).toBeGreaterThan(from - 60_000);
      expect(Date.parse(s.next_due_at) - from, id).toBeLessThan(PERIOD_MS);
    }
    // Retry-After: 7200 s, longer than any backoff so far, so only one attempt in five runs.
    expect(Date.parse(a.f503.not_before) - Date.parse(a.f503.last_fetch_at)).toBe(7200_000);
    expect(a.f503.consecutive_failures).toBe(1);
    // Doubling: the plain 500 was tried at runs 1, 2 (15 min later), 4 (30 min later)...
    const attempts = runs.map((r, i) => (r.errors.some((e) => e.sourceId === 'f500') ? i + 1 : null)).filter((x): x is number => x !== null);
    const gaps = attempts.slice(1).map((r, i) => r - attempts[i]);
    expect(attempts[0]).toBe(1);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThan(gaps[i - 1]);
  });

  it('3e. limits: huge bodies are abandoned while streaming, redirects stop at 5, stalled bodies time out', async () => {
    const log = await fx.log();
    const stats = await fx.stats();
    // The undeclared 20 MB body: reading stopped early, the connection was dropped.
    const hugeSent = stats.hugeBytes['/fault/huge/huge'];
    expect(hugeSent).toBeLessThan(20 * 1024 * 1024);
    expect(log.filter((r) => r.path === '/s/faults/fault/huge/huge' && r.closed).length).toBeGreaterThanOrEqual(1);
    const a = await admin();
    expect(a.huge.last_error.message).toMatch(/stopped reading/);
    expect(a['huge-declared'].last_error.message).toMatch(/Content-Length 20971520 exceeds/);
    // A redirect loop costs exactly 1 + MAX_REDIRECTS requests per attempt.
    const loopRequests = log.filter((r) => r.path.startsWith('/s/faults/fault/loop/loop') && r.status === 302).length;
    expect(loopRequests).toBe(a.loop.consecutive_failures * (1 + cfg.maxRedirects));
    // Headers then silence: given up after the timeout, the connection closed by us.
    expect(log.filter((r) => r.path === '/s/faults/fault/stall/stall' && r.closed).length).toBe(a.stall.consecutive_failures);
    expect(log.filter((r) => r.path === '/s/faults/fault/timeout/timeout' && r.closed).length).toBe(a.timeout.consecutive_failures);
    expect(a.stall.last_error.message).toBe(`fetch: no complete response within ${cfg.fetchTimeoutMs} ms`);
  });

  it('3f. a permanent redirect moves the feed after it was seen REDIRECT_UPDATE_AFTER times; a temporary one never', async () => {
    const a = await admin();
    expect(a.moved.fetch_url).toBe(fx.url('/moved/moved'));
    expect(a.moved.url).toBe(fx.url(FAULTS.moved)); // the configured URL is the admin's
    expect(a.temp.fetch_url).toBe(fx.url(FAULTS.temp));
    const log = await fx.log();
    const oldHits = log.filter((r) => r.path === `/s/faults${FAULTS.moved}`).map((r) => r.at);
    const newHits = log.filter((r) => r.path === '/s/faults/moved/moved').map((r) => r.at);
    // Phase 1 fetched the old URL directly; then 2 runs saw the 301 and followed it; after that only the new URL.
    expect(oldHits.length).toBe(1 + cfg.redirectUpdateAfter);
    expect(newHits.length).toBe(FAULTY_RUNS);
    expect(Math.max(...oldHits)).toBeLessThan(Math.max(...newHits));
    // The temporary redirect was followed on every run.
    expect(log.filter((r) => r.path === `/s/faults${FAULTS.temp}`).length).toBe(1 + FAULTY_RUNS);
  });

  it('3g. odd but valid: an empty feed, flipping ETags and UTF-16 keep what they had and cost no parse', async () => {
    const a = await admin();
    expect(a.empty.items_in_feed).toBe(0);
    expect(a.empty.entries_stored).toBe(10);
    // The flipping source parsed once (phase 1); afterwards every 200 carried the same bytes.
    const log = await fx.log();
    const flips = log.filter((r) => r.path === `/s/faults${FAULTS.flip}`);
    expect(flips.length).toBe(1 + FAULTY_RUNS);
    expect(flips.filter((r) => r.status === 200).length).toBeGreaterThan(1);
    // + the emptied feed's one change, and the malformed-but-repairable feed's first parse
    for (const run of runs) expect(run.parsed).toBe(GOOD.length + (run === runs[0] ? 2 : 0));
    // It is kept, and its health says it was repaired.
    expect(a.repairable.entries_stored).toBe(10 + 2); // ten from the healthy phase, two recovered
    expect(a.repairable.last_warning.code).toBe('MALFORMED_XML');
    expect(a.badxml.last_warning).toBeNull();
    expect(a.utf16.entries_stored).toBe(10);
    expect(a.utf16.status).toBe('healthy');
  });

  it('4. when the publishers recover, the next run resets every counter and loses nothing', async () => {
    await fx.faults(false);
    await fx.side(true);
    // Resume the paused one (410): an admin decision.
    const resumed = await jsonWith('/admin/sources/f410/resume', { method: 'POST', admin: true }, VARS);
    expect(resumed.status).toBe('resumed');
    // A day later every wait (at most MAX_BACKOFF_MINUTES, Retry-After 2 h) has passed.
    const later = new Date(T0.getTime() + 86_400_000);
    await cronWith(later, VARS);
    const a = await admin();
    for (const id of Object.keys(EXPECTED)) {
      expect(a[id].status, id).toBe('healthy');
      expect(a[id].consecutive_failures, id).toBe(0);
      expect(a[id].last_error, id).toBeNull();
      expect(a[id].failing_since, id).toBeNull();
    }
    const ids = new Set((await catalog()).entries.map((e) => e.id));
    for (const stored of storedAfterPhase1.values()) for (const id of stored) expect(ids.has(id)).toBe(true);
    const h: any = await jsonWith('/healthz', {}, VARS);
    expect(h.summary).toBe(`${Object.keys(EXPECTED).length + GOOD.length} healthy, 0 failing, 0 paused`);
  });
});
