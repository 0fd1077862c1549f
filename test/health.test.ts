import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { FeedError } from '../src/errors';
import { describeSource, freshState, healthCounts, onDeferred, onFailure, onQueued, onSuccess, statusOf, withDefaults, type SuccessInfo } from '../src/health';
import type { Source, SourceState } from '../src/model';

const cfg = loadConfig({ MARQUEE_KV: null as never, REDIRECT_UPDATE_AFTER: '3', PAUSE_AFTER_DAYS: '14' });
const T = new Date('2026-11-26T08:00:00Z');
const MIN = 60_000;
const source: Source = { id: 'a', url: 'https://example.com/feed', title: null, home_page_url: null, category: null };
const later = (minutes: number) => new Date(T.getTime() + minutes * MIN);

const parsed = (over: Partial<NonNullable<SuccessInfo['parsed']>> = {}): NonNullable<SuccessInfo['parsed']> => ({
  bodyHash: 'h1', ttlMinutes: null, skipHours: [], skipDays: [], title: 'A', link: 'https://example.com/', language: 'en', items: 10, changedEntries: 0, ...over,
});
const ok = (over: Partial<SuccessInfo> = {}): SuccessInfo => ({ status: 200, etag: '"e1"', lastModified: 'Tue, 05 Apr 2022 22:00:00 GMT', freshnessSeconds: null, permanentRedirect: null, ...over });

/** The state after a first successful parse, as the run that stored its entries would have written it. */
function healthy(): SourceState {
  return onSuccess(freshState(source, cfg), ok({ parsed: parsed({ changedEntries: 10 }) }), T, cfg).state;
}

describe('success', () => {
  it('a first parse learns validators, metadata and entries: a write', () => {
    const t = onSuccess(freshState(source, cfg), ok({ parsed: parsed({ changedEntries: 10 }) }), T, cfg);
    expect(t.hard).toBe(true);
    expect(t.state).toMatchObject({ etag: '"e1"', bodyHash: 'h1', lastChangeAt: T.toISOString(), itemsInFeed: 10, consecutiveFailures: 0 });
  });

  it('a 304, or the same bytes again, only moves timestamps: no write', () => {
    const s = healthy();
    const t304 = onSuccess(s, ok({ status: 304 }), later(15), cfg);
    expect(t304.hard).toBe(false);
    expect(t304.state.lastFetchAt).toBe(later(15).toISOString());
    expect(t304.state.lastSuccessAt).toBe(later(15).toISOString());
    expect(onSuccess(s, ok({ unchangedBody: true }), later(15), cfg).hard).toBe(false);
  });

  it('an ETag that rotates over identical bytes is kept softly; one that comes with new bytes is written', () => {
    const s = healthy();
    const flipped = onSuccess(s, ok({ etag: '"node-b"', unchangedBody: true }), later(15), cfg);
    expect(flipped.hard).toBe(false);
    expect(flipped.state.etag).toBe('"node-b"');
    // Last-Modified may change without the ETag (RFC 9111): same rule.
    expect(onSuccess(s, ok({ status: 304, lastModified: 'Wed, 06 Apr 2022 22:00:00 GMT' }), later(15), cfg).hard).toBe(false);
    const revised = onSuccess(s, ok({ etag: '"e2"', parsed: parsed({ bodyHash: 'h2' }) }), later(15), cfg);
    expect(revised.hard).toBe(true);
    expect(revised.state).toMatchObject({ etag: '"e2"', bodyHash: 'h2' });
    // A validator where there was none turns future polls into 304s: written.
    const noValidators = { ...s, etag: null, lastModified: null };
    expect(onSuccess(noValidators, ok({ status: 304, lastModified: null, unchangedBody: true }), later(15), cfg).hard).toBe(true);
  });

  it('writes a longer interval at once, lets a shorter one ride along, and remembers freshness through bare 304s', () => {
    const s = healthy();
    const slower = onSuccess(s, ok({ status: 304, freshnessSeconds: 3600 }), later(15), cfg);
    expect(slower).toMatchObject({ hard: true, state: { intervalMinutes: 60, freshnessSeconds: 3600 } });
    // RFC 9111 §4.3.4: a 304 without freshness headers keeps the lifetime we had.
    const bare = onSuccess(slower.state, ok({ status: 304 }), later(75), cfg);
    expect(bare).toMatchObject({ hard: false, state: { intervalMinutes: 60 } });
    // A 200 that says nothing about caching: back to the minimum, softly.
    const faster = onSuccess(slower.state, ok({ unchangedBody: true }), later(135), cfg);
    expect(faster).toMatchObject({ hard: false, state: { intervalMinutes: 15, freshnessSeconds: null } });
    // <ttl> from the feed.
    expect(onSuccess(s, ok({ parsed: parsed({ bodyHash: 'h3', ttlMinutes: 120 }) }), later(15), cfg).state.intervalMinutes).toBe(120);
  });

  it('adopts a permanent redirect after REDIRECT_UPDATE_AFTER sightings in a row; a temporary hop resets the count', () => {
    let s = healthy();
    const target = 'https://new.example.com/feed';
    for (let i = 1; i < cfg.redirectUpdateAfter; i++) {
      const t = onSuccess(s, ok({ status: 304, permanentRedirect: target }), later(15 * i), cfg);
      expect(t.hard).toBe(true);
      expect(t.state.url).toBe(source.url);
      expect(t.state.redirect).toEqual({ url: target, count: i });
      s = t.state;
    }
    const interrupted = onSuccess(s, ok({ status: 304, permanentRedirect: null }), later(100), cfg).state;
    expect(interrupted.redirect).toBeNull();
    for (let i = 1; i <= cfg.redirectUpdateAfter; i++) s = onSuccess(s, ok({ status: 304, permanentRedirect: target }), later(200 + 15 * i), cfg).state;
    expect(s.url).toBe(target);
    expect(s.configuredUrl).toBe(source.url);
    expect(s.redirect).toBeNull();
  });

  it('a success after failures resets every counter', () => {
    const failing = onFailure(healthy(), new FeedError('HTTP_ERROR', 'fetch', 'HTTP 500', { status: 500 }), later(15), cfg).state;
    const t = onSuccess(failing, ok({ status: 304 }), later(60), cfg);
    expect(t.hard).toBe(true);
    expect(t.state).toMatchObject({ consecutiveFailures: 0, firstFailureAt: null, lastError: null, notBefore: null, paused: false });
  });
});

describe('failure', () => {
  const err500 = () => new FeedError('HTTP_ERROR', 'fetch', 'HTTP 500 from x', { status: 500 });

  it('counts, records a coded error, backs off, and keeps validators and the body hash', () => {
    const s = healthy();
    const t = onFailure(s, err500(), later(15), cfg);
    expect(t.hard).toBe(true);
    expect(t.state).toMatchObject({ consecutiveFailures: 1, firstFailureAt: later(15).toISOString(), lastStatus: 500, etag: '"e1"', bodyHash: 'h1', paused: false });
    expect(t.state.lastError).toEqual({ code: 'HTTP_ERROR', stage: 'fetch', message: 'fetch: HTTP 500 from x', at: later(15).toISOString() });
    const wait = Date.parse(t.state.notBefore!) - later(15).getTime();
    expect(wait).toBeGreaterThanOrEqual(s.intervalMinutes * MIN);
    const second = onFailure(t.state, err500(), later(60), cfg).state;
    expect(second.consecutiveFailures).toBe(2);
    expect(second.firstFailureAt).toBe(later(15).toISOString());
    expect(Date.parse(second.notBefore!) - later(60).getTime()).toBeGreaterThan(wait);
  });

  it('never retries before Retry-After, and caps absurd values at a week', () => {
    const ra = onFailure(healthy(), new FeedError('UNAVAILABLE', 'fetch', 'HTTP 503', { status: 503, retryAfterSeconds: 7200 }), T, cfg).state;
    expect(Date.parse(ra.notBefore!) - T.getTime()).toBe(7200_000);
    const absurd = onFailure(healthy(), new FeedError('RATE_LIMITED', 'fetch', 'HTTP 429', { status: 429, retryAfterSeconds: 10 ** 9 }), T, cfg).state;
    expect(Date.parse(absurd.notBefore!) - T.getTime()).toBe(7 * 86_400_000);
  });

  it('pauses after PAUSE_AFTER_DAYS of failing, or at once on 410 Gone; the source is shown, not deleted', () => {
    let s = healthy();
    let t = T;
    while (!s.paused) {
      t = new Date(t.getTime() + 6 * 3600_000);
      s = onFailure(s, err500(), t, cfg).state;
    }
    expect(t.getTime() - Date.parse(s.firstFailureAt!)).toBeGreaterThanOrEqual(cfg.pauseAfterDays * 86_400_000);
    expect(t.getTime() - Date.parse(s.firstFailureAt!)).toBeLessThan((cfg.pauseAfterDays + 1) * 86_400_000);
    expect(statusOf(s)).toBe('paused');
    const gone = onFailure(healthy(), new FeedError('GONE', 'fetch', 'HTTP 410', { status: 410 }), T, cfg).state;
    expect(gone.paused).toBe(true);
    expect(describeSource(source, gone, 7, T, cfg)).toMatchObject({ status: 'paused', entries_stored: 7, next_due_at: null, last_error: { code: 'GONE' } });
  });
});

describe('deferral, queueing and summaries', () => {
  it('remembers since when a left-behind source has been due, once', () => {
    const s = healthy();
    const first = onDeferred(s, later(15), cfg);
    expect(first).toMatchObject({ hard: true, state: { dueSince: later(15).toISOString() } });
    expect(onDeferred(first.state, later(30), cfg)).toEqual({ state: first.state, hard: false });
    const fetched = onSuccess(first.state, ok({ status: 304 }), later(30), cfg);
    expect(fetched).toMatchObject({ hard: true, state: { dueSince: null } });
  });

  it('a queued source keeps its overdue time, and any result clears the queue mark', () => {
    const q = onQueued(healthy(), later(15), cfg).state;
    expect(q).toMatchObject({ queuedAt: later(15).toISOString(), dueSince: later(15).toISOString() });
    expect(onSuccess(q, ok({ status: 304 }), later(16), cfg).state).toMatchObject({ queuedAt: null, dueSince: null });
    expect(onFailure(q, new FeedError('TIMEOUT', 'fetch', 'slow'), later(16), cfg).state).toMatchObject({ queuedAt: null, dueSince: null });
  });

  it('reads states written before these fields existed', () => {
    const { dueSince: _d, queuedAt: _q, freshnessSeconds: _f, ...old } = healthy();
    expect(withDefaults(old as SourceState)).toMatchObject({ dueSince: null, queuedAt: null, freshnessSeconds: null });
  });

  it('counts healthy, failing, paused and not yet fetched', () => {
    const failing = onFailure(healthy(), new FeedError('TIMEOUT', 'fetch', 'slow'), T, cfg).state;
    const paused = { ...failing, paused: true };
    expect(healthCounts([healthy(), healthy(), failing, paused, freshState(source, cfg)])).toEqual({ healthy: 2, failing: 1, paused: 1, new: 1 });
  });

  it('shows everything the admin view promises', () => {
    const d = describeSource(source, healthy(), 10, later(1), cfg);
    for (const key of ['last_fetch_at', 'status', 'last_success_at', 'consecutive_failures', 'next_due_at', 'last_error', 'etag', 'last_modified', 'entries_stored']) {
      expect(d, key).toHaveProperty(key);
    }
    expect(d.next_due_at).toBe(later(15).toISOString());
  });
});
