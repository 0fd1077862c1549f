/**
 * The slow faults and the admin side, through the real Worker: a source that
 * keeps failing for PAUSE_AFTER_DAYS is paused (shown, not deleted, its
 * entries kept, no longer polled) until an admin resumes it; and the URL
 * policy for sources added through the admin API, with the dev-only setting
 * off as wrangler.toml deploys it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cronWith, fixtureScope, jsonWith, putSourcesWith, storedEntries } from '../support/runs';

const T0 = new Date('2026-11-26T08:00:00Z');
const H = 3600_000;
const VARS = { PAUSE_AFTER_DAYS: '1' };
const fx = fixtureScope('pause');

async function admin() {
  const body: any = await jsonWith('/admin/sources', { admin: true }, VARS);
  return Object.fromEntries(body.sources.map((s: any) => [s.id, s]));
}

describe('a source failing for days', () => {
  beforeAll(async () => {
    await fx.reset();
    expect((await putSourcesWith([{ id: 'steady', url: fx.url('/gen/steady') }, { id: 'dying', url: fx.url('/fault/500/dying') }], VARS)).status).toBe(200);
    await cronWith(T0, VARS); // both healthy, ten entries each
    await fx.faults(true);
  });

  it('is retried at a growing interval and paused once it has failed for PAUSE_AFTER_DAYS', async () => {
    const runs = [0.25, 1, 4, 12, 24.5].map((h) => new Date(T0.getTime() + h * H));
    for (const t of runs) await cronWith(t, VARS);
    const a = await admin();
    expect(a.dying).toMatchObject({ status: 'paused', next_due_at: null, entries_stored: 10, failing_since: runs[0].toISOString() });
    expect(a.dying.consecutive_failures).toBe(runs.length);
    expect(a.steady.status).toBe('healthy');
    const h: any = await jsonWith('/healthz', {}, VARS);
    expect(h.summary).toBe('1 healthy, 0 failing, 1 paused');
    // Not deleted: still listed, still counted, its entries still served.
    const cat = { entries: await storedEntries() };
    expect(cat.entries.filter((e) => e.sourceId === 'dying')).toHaveLength(10);
    const feed: any = await jsonWith('/feed.json?source=dying', {}, VARS);
    expect(feed.items).toHaveLength(10);
  });

  it('is not polled while paused, even by a manual refresh; resuming makes it due at the next run', async () => {
    const before = (await fx.log()).filter((r) => r.path.includes('/dying')).length;
    await cronWith(new Date(T0.getTime() + 48 * H), VARS);
    const manual: any = await jsonWith('/admin/refresh?source=dying', { method: 'POST', admin: true }, VARS);
    expect(manual.skipped).toMatchObject({ source: 'dying', reason: 'paused' });
    expect((await fx.log()).filter((r) => r.path.includes('/dying')).length).toBe(before);
    await fx.faults(false);
    const resumed: any = await jsonWith('/admin/sources/dying/resume', { method: 'POST', admin: true }, VARS);
    expect(resumed.status).toBe('resumed');
    await cronWith(new Date(T0.getTime() + 49 * H), VARS);
    const a = await admin();
    expect(a.dying).toMatchObject({ status: 'healthy', consecutive_failures: 0, last_error: null, failing_since: null, entries_stored: 10 });
  });
});

describe('sources added through the admin API', () => {
  const DEPLOYED = { ALLOW_PRIVATE_SOURCES: 'false' }; // as wrangler.toml ships it

  it('accepts only public http(s) URLs without credentials when the dev setting is off', async () => {
    const refused = [
      'http://127.0.0.1:8080/feed', 'http://localhost/feed', 'http://10.0.0.5/feed', 'http://192.168.1.10/rss',
      'http://169.254.169.254/latest/meta-data/', 'http://[::1]/feed', 'http://[fe80::1]/feed', 'http://[::ffff:127.0.0.1]/feed',
      'http://printer.local/feed', 'https://user:secret@example.com/feed', 'ftp://example.com/feed', 'file:///etc/passwd',
    ];
    for (const url of refused) {
      const res = await putSourcesWith([{ id: 'x', url }], DEPLOYED);
      expect(res.status, url).toBe(400);
      const body: any = await res.json();
      expect(body.error.code, url).toBe('INVALID_SOURCES');
    }
    const ok = await putSourcesWith([{ id: 'public', url: 'https://variety.com/feed/' }], DEPLOYED);
    expect(ok.status).toBe(200);
  });

  it('accepts loopback fixture servers only with ALLOW_PRIVATE_SOURCES=true, and never credentials', async () => {
    expect((await putSourcesWith([{ id: 'local', url: fx.url('/gen/local') }], { ALLOW_PRIVATE_SOURCES: 'true' })).status).toBe(200);
    expect((await putSourcesWith([{ id: 'local', url: fx.url('/gen/local') }], { ALLOW_PRIVATE_SOURCES: 'false' })).status).toBe(400);
    const creds = fx.url('/gen/local').replace('http://', 'http://u:p@');
    expect((await putSourcesWith([{ id: 'local', url: creds }], { ALLOW_PRIVATE_SOURCES: 'true' })).status).toBe(400);
  });
});
