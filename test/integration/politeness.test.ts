/**
 * Politeness, inside workerd with real local KV and real HTTP: conditional
 * requests, no parse and no write when nothing changed, and the publisher's
 * own pace (Cache-Control, Expires, <ttl>, <skipHours>, Retry-After). The
 * assertions are on what the code records (the run summary with the writer's
 * SQL and KV counts, a snapshot of every KV key) and on what the publisher saw
 * (the fixture server's log); none is on a timing.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { refresh } from '../../src/refresh';
import { catalogOf } from '../../src/store/object';
import { at, callWith, cronWith, fixtureScope, jsonWith, kvSnapshot, PERIOD_MS, putSourcesWith } from '../support/runs';

const T0 = new Date('2026-11-26T08:00:00Z');
const UA = /^Marquee\/\S+ \(\+https:\/\/github\.com\/marquee-news\/marquee\)$/;
const fx = fixtureScope('polite');
const cfg = loadConfig(env as never);

/** Sources whose servers all give validators, in every combination the RFCs allow. */
const VALIDATED = {
  both: '/gen/both', // ETag and Last-Modified
  'etag-only': '/gen/etag-only?nolm=1',
  'lm-only': '/gen/lm-only?noetag=1',
  // Last-Modified moves on every response while the ETag stays (RFC 9111 allows either to change alone).
  'lm-moves': '/gen/lm-moves?lmchange=1',
  // Two nodes, two ETags, the same bytes.
  flip: '/fault/flip/flip',
};
const list = (extra: Record<string, string> = {}) => Object.entries({ ...VALIDATED, ...extra }).map(([id, p]) => ({ id, url: fx.url(p) }));

/** Requests the publishers saw since the last call. */
let seen = 0;
async function newRequests() {
  const log = await fx.log();
  const fresh = log.slice(seen);
  seen = log.length;
  return fresh;
}

describe('conditional requests and zero-write runs', () => {
  beforeAll(async () => {
    await fx.reset();
    await fx.faults(true); // only the flip route misbehaves in this scope
    expect((await putSourcesWith(list())).status).toBe(200);
    await cronWith(T0);
    const first = await newRequests();
    expect(first).toHaveLength(Object.keys(VALIDATED).length);
    for (const r of first) expect(r.ua).toMatch(UA);
  });

  it('a second run with unchanged feeds sends only conditional requests, parses nothing, writes 0 KV keys and no source state', async () => {
    const before = await kvSnapshot();
    const summary = await refresh({ catalog: catalogOf(env as never), fetch: (i, init) => fetch(i, init), config: cfg, clock: () => Date.now() }, at(T0, 1), { trigger: 'cron' });
    const n = Object.keys(VALIDATED).length;
    expect(summary.sourcesFetched).toBe(n);
    expect(summary.conditional).toBe(n);
    expect(summary.parsed).toBe(0);
    expect(summary.notModified + summary.unchangedBody).toBe(n);
    expect(summary.failed).toBe(0);
    expect(summary.kvWrites).toBe(0);
    expect(await kvSnapshot()).toEqual(before);
    // Nothing but the run's own history row (counted as 2 rows: the insert and the trim).
    expect(summary.sqlRowsWritten).toBe(2);
    const requests = await newRequests();
    expect(requests).toHaveLength(n);
    for (const r of requests) {
      expect(r.inm !== null || r.ims !== null, r.path).toBe(true);
      expect(r.ua).toMatch(UA);
    }
    // Both validators go out when both are held.
    expect(requests.find((r) => r.path.endsWith('/gen/both'))).toMatchObject({ inm: expect.stringMatching(/^"/), ims: expect.any(String), status: 304 });
    expect(requests.find((r) => r.path.includes('lm-only'))).toMatchObject({ inm: null, status: 304 });
    expect(requests.find((r) => r.path.includes('lm-moves'))!.status).toBe(304);
  });

  it('the cron handler itself leaves every KV key byte-for-byte as it was', async () => {
    const before = await kvSnapshot();
    await cronWith(at(T0, 2));
    const after = await kvSnapshot();
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [k, v] of before) expect(after.get(k), k).toBe(v);
    const requests = await newRequests();
    expect(requests).toHaveLength(Object.keys(VALIDATED).length);
    expect(requests.every((r) => r.inm !== null || r.ims !== null)).toBe(true);
  });

  it('a 200 with the same bytes as last time costs a hash, not a parse, and no write', async () => {
    expect((await putSourcesWith(list({ bare: '/gen/bare?noetag=1&nolm=1' }))).status).toBe(200);
    await cronWith(at(T0, 3)); // the new source is parsed and stored; that run writes
    await newRequests();
    const before = await kvSnapshot();
    const summary = await refresh({ catalog: catalogOf(env as never), fetch: (i, init) => fetch(i, init), config: cfg, clock: () => Date.now() }, at(T0, 4), { trigger: 'cron' });
    expect(summary.unchangedBody).toBeGreaterThanOrEqual(1);
    expect(summary.parsed).toBe(0);
    expect(summary.kvWrites).toBe(0);
    expect(await kvSnapshot()).toEqual(before);
    const bare = (await newRequests()).find((r) => r.path.includes('/gen/bare'))!;
    expect(bare).toMatchObject({ inm: null, ims: null, status: 200 });
  });

  it('new content is fetched and written as usual', async () => {
    await fx.bump('both', 2);
    await cronWith(at(T0, 5));
    const run = (await jsonWith('/admin/sources', { admin: true })).last_run;
    expect(run.parsed).toBe(1);
    expect(run.newEntries).toBe(2);
    expect(run.kvWrites).toBe(1);
  });
});

describe("the publisher's pace", () => {
  const pace = fixtureScope('pace');
  const T1 = new Date('2026-11-26T07:00:00Z');
  const SOURCES = {
    'max-age': '/gen/max-age?maxAge=3600',
    expires: '/gen/expires?expires=1800',
    ttl: '/gen/ttl?ttl=60',
    skip: '/gen/skip?skip=9,10', // <skipHours> 09 and 10 GMT
    plain: '/gen/plain',
  };

  it('polls no more often than Cache-Control, Expires, <ttl> and <skipHours> allow, and no less', async () => {
    await pace.reset();
    expect((await putSourcesWith(Object.entries(SOURCES).map(([id, p]) => ({ id, url: pace.url(p) })))).status).toBe(200);
    const runsOf = new Map<string, number[]>();
    let seenHere = 0;
    const RUNS = 17; // 07:00 .. 11:00
    for (let r = 0; r < RUNS; r++) {
      await cronWith(at(T1, r));
      const log = await pace.log();
      for (const req of log.slice(seenHere)) {
        const id = Object.keys(SOURCES).find((k) => req.path.includes(`/gen/${k}`))!;
        runsOf.set(id, [...(runsOf.get(id) ?? []), r]);
      }
      seenHere = log.length;
    }
    const gaps = (id: string) => runsOf.get(id)!.slice(1).map((r, i) => r - runsOf.get(id)![i]);
    // 3600 s and <ttl>60: every 4th run (60 min); 1800 s: every 2nd; nothing: every run.
    for (const id of ['max-age', 'ttl']) {
      expect(gaps(id).every((g) => g >= 4), id).toBe(true);
      expect(runsOf.get(id)!.length, id).toBeGreaterThanOrEqual(4);
    }
    expect(gaps('expires').every((g) => g >= 2)).toBe(true);
    expect(runsOf.get('expires')!.length).toBeGreaterThanOrEqual(7);
    expect(runsOf.get('plain')).toEqual(Array.from({ length: RUNS }, (_, i) => i));
    // <skipHours>9,10: nothing from 09:00 (run 8) to 10:45 (run 15), then back at 11:00.
    expect(runsOf.get('skip')!.filter((r) => r >= 8 && r <= 15)).toEqual([]);
    expect(runsOf.get('skip')).toContain(16);
    expect(runsOf.get('skip')).toContain(7);
    const admin: any = await jsonWith('/admin/sources', { admin: true });
    const byId = Object.fromEntries(admin.sources.map((s: any) => [s.id, s]));
    expect(byId['max-age']).toMatchObject({ interval_minutes: 60, server_freshness_seconds: 3600 });
    expect(byId.ttl).toMatchObject({ interval_minutes: 60, feed_ttl_minutes: 60 });
    expect(byId.skip.skip_hours).toEqual([9, 10]);
  }, 60_000);
});

describe('manual refresh', () => {
  const man = fixtureScope('manual');
  // The admin route runs on the wall clock, so this part does too (rounded to a cron tick).
  const T = new Date(Math.floor(Date.now() / PERIOD_MS) * PERIOD_MS);

  it('counts every active source as due, but keeps conditional requests, Retry-After and backoff', async () => {
    await man.reset();
    const sources = {
      hourly: '/gen/hourly?maxAge=3600',
      daily: '/gen/daily?ttl=1440',
      limited: '/fault/429/limited?ra=3600',
      broken: '/fault/500/broken',
    };
    expect((await putSourcesWith(Object.entries(sources).map(([id, p]) => ({ id, url: man.url(p) })))).status).toBe(200);
    await cronWith(T); // all healthy: faults are off
    await man.faults(true);
    // The faulty two are not due for the cron yet; a manual refresh fetches everything now.
    const first: any = await (await callWith('/admin/refresh', { method: 'POST', admin: true })).json();
    expect(first.sourcesFetched).toBe(4); // intervals of 60 min and a day do not hold a manual refresh
    expect(first.conditional).toBe(4);
    expect(first.errors.map((e: any) => e.code).sort()).toEqual(['HTTP_ERROR', 'RATE_LIMITED']);
    const before = (await man.log()).length;
    // Again, right away: the healthy ones are fetched (conditionally); Retry-After and backoff hold.
    const again: any = await (await callWith('/admin/refresh', { method: 'POST', admin: true })).json();
    expect(again.sourcesFetched).toBe(2);
    expect(again.notModified).toBe(2);
    expect(again.notDue).toEqual({ backoff: 2 });
    const log = (await man.log()).slice(before);
    expect(log.map((r) => r.path).sort()).toEqual([man.url(sources.daily), man.url(sources.hourly)].map((u) => new URL(u).pathname + new URL(u).search).sort());
    expect(log.every((r) => r.status === 304 && r.inm)).toBe(true);
    // ?source= limits it to one source, and says why one in backoff was not fetched.
    const one: any = await (await callWith('/admin/refresh?source=limited', { method: 'POST', admin: true })).json();
    expect(one.sourcesFetched).toBe(0);
    expect(one.skipped).toMatchObject({ source: 'limited', reason: 'backoff' });
    expect(Date.parse(one.skipped.not_before)).toBeGreaterThanOrEqual(T.getTime() + 3600_000);
    const hourly: any = await (await callWith('/admin/refresh?source=hourly', { method: 'POST', admin: true })).json();
    expect(hourly).toMatchObject({ sourcesFetched: 1, notModified: 1, sourcesDue: 1 });
    // The next cron run does not poll what the manual refresh just fetched, until its interval has passed.
    const mark = (await man.log()).length;
    await cronWith(new Date(T.getTime() + PERIOD_MS));
    const cronSaw = (await man.log()).slice(mark).map((r) => r.path);
    expect(cronSaw.some((p) => p.includes('/gen/hourly') || p.includes('/gen/daily'))).toBe(false);
  });
});
