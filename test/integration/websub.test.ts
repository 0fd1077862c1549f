/**
 * WebSub inside workerd, with the fixture server's listening hub (POST /hub,
 * test/support/fixture-server.ts) over real HTTP on loopback. workerd does
 * not listen on a port here, so the test plays the hub's side of the
 * callback itself through the Worker's fetch handler; the full round trip
 * with a hub that calls back is test/clients/websub.client.ts.
 *
 * Subscriber: discovery sends a subscription request; the callback confirms
 * only what was asked; a signed push is stored and served with no cron run,
 * a forged one is not; a source with an active lease is polled less often.
 * Publisher: pings for the changed topics, kept and retried when the hub is
 * down, never failing the run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/websub';
import { at, callWith, cronWith, fixtureScope, jsonWith, lastRun, putSourcesWith } from '../support/runs';
import { BASE } from '../support/worker';

const fx = fixtureScope('websub');
const T0 = new Date('2026-12-01T08:00:00Z');
const VARS = () => ({ PUBLIC_URL: BASE, WEBSUB_HUBS: fx.url('/hub') });
const enc = new TextEncoder();

function pushyFeed(items: Array<[string, string]>): string {
  const body = items.map(([id, title]) => `<item><title>${title}</title><link>https://pushy.example/${id}</link><guid isPermaLink="false">${id}</guid>` +
    `<pubDate>${new Date('2026-12-01T07:00:00Z').toUTCString()}</pubDate></item>`).join('');
  return `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Pushy</title><link>https://pushy.example/</link>` +
    `<description>d</description><atom:link rel="hub" href="${fx.url('/hub')}"/><atom:link rel="self" href="https://pushy.example/feed"/>${body}</channel></rss>`;
}

let subscribe: Record<string, string[]>;
let token = '';

beforeAll(async () => {
  await fx.reset();
  await fx.feed('pushy', pushyFeed([['p1', 'Pushy one']]));
  const list = [{ id: 'pushy', url: fx.url('/dyn/pushy') }, { id: 'polled', url: fx.url('/gen/polled?items=3') }];
  expect((await putSourcesWith(list, VARS())).status).toBe(200);
  await cronWith(T0, VARS());
  subscribe = (await fx.hub()).find((h) => h.mode === 'subscribe')!.fields;
  token = subscribe['hub.callback'][0].split('/').pop()!;
});

const callback = (q: Record<string, string>, init: RequestInit = {}) => callWith(`/websub/callback/${token}?${new URLSearchParams(q)}`, init, VARS());

describe('subscriber', () => {
  it('asks the hub the feed advertises for its self URL, with a callback under PUBLIC_URL and a secret', () => {
    expect(subscribe['hub.topic']).toEqual(['https://pushy.example/feed']);
    expect(subscribe['hub.callback'][0]).toMatch(new RegExp(`^${BASE}/websub/callback/[0-9a-f]{32}$`));
    expect(subscribe['hub.secret'][0]).toMatch(/^[0-9a-f]{64}$/);
    expect(subscribe['hub.lease_seconds']).toEqual(['864000']);
  });

  it('confirms only the verification it asked for: echoing the challenge as text, 404 otherwise', async () => {
    const wrongTopic = await callback({ 'hub.mode': 'subscribe', 'hub.topic': 'https://other.example/feed', 'hub.challenge': 'c1', 'hub.lease_seconds': '3600' });
    expect(wrongTopic.status).toBe(404);
    const wrongMode = await callback({ 'hub.mode': 'unsubscribe', 'hub.topic': 'https://pushy.example/feed', 'hub.challenge': 'c2' });
    expect(wrongMode.status).toBe(404);
    const unknown = await callWith(`/websub/callback/${'f'.repeat(32)}?hub.mode=subscribe&hub.topic=x&hub.challenge=c`, {}, VARS());
    expect(unknown.status).toBe(404);
    const ok = await callback({ 'hub.mode': 'subscribe', 'hub.topic': 'https://pushy.example/feed', 'hub.challenge': '<b>c3</b>', 'hub.lease_seconds': '3600' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('<b>c3</b>');
    expect(ok.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    const admin: any = await jsonWith('/admin/sources', { admin: true }, VARS());
    expect(admin.sources.find((s: any) => s.id === 'pushy').websub[0]).toMatchObject({ status: 'active', lease_seconds: 3600 });
    // Without PUBLIC_URL there is no subscriber.
    expect((await callWith(`/websub/callback/${token}?hub.mode=subscribe&hub.topic=x&hub.challenge=c`)).status).toBe(404);
  });

  it('stores a signed push through the writer and serves it from /feed.json with no cron run; a forged one is not stored', async () => {
    const secret = subscribe['hub.secret'][0];
    const forged = enc.encode(pushyFeed([['f1', 'Forged story']]));
    const bad = await callWith(`/websub/callback/${token}`, { method: 'POST', body: forged, headers: { 'Content-Type': 'application/rss+xml', 'X-Hub-Signature': await signBody(`${secret}!`, forged) } }, VARS());
    expect(bad.status).toBe(202);
    const none = await callWith(`/websub/callback/${token}`, { method: 'POST', body: forged, headers: { 'Content-Type': 'application/rss+xml' } }, VARS());
    expect(none.status).toBe(202);
    const body = enc.encode(pushyFeed([['p2', 'Pushy two, pushed'], ['p1', 'Pushy one']]));
    const res = await callWith(`/websub/callback/${token}`, { method: 'POST', body, headers: { 'Content-Type': 'application/rss+xml', 'X-Hub-Signature': await signBody(secret, body, 'sha1') } }, VARS());
    expect(res.status).toBe(204);
    const titles = (await jsonWith('/feed.json?limit=500&dedupe=false', {}, VARS())).items.map((i: any) => i.title);
    expect(titles).toContain('Pushy two, pushed');
    expect(titles).not.toContain('Forged story');
    expect(await lastRun()).toMatchObject({ trigger: 'push', newEntries: 1, sourcesFetched: 0 });
    const sub = (await jsonWith('/admin/sources', { admin: true }, VARS())).sources.find((s: any) => s.id === 'pushy').websub[0];
    expect([sub.pushes, sub.rejected]).toEqual([1, 2]);
  });

  it('keeps polling a pushed source, but at WEBSUB_POLL_MINUTES instead of every run', async () => {
    const fetchedPushy = async () => (await fx.log()).filter((r) => r.path.endsWith('/dyn/pushy')).length;
    const fetchedPolled = async () => (await fx.log()).filter((r) => r.path.includes('/gen/polled')).length;
    const [pushy0, polled0] = [await fetchedPushy(), await fetchedPolled()];
    // The first six hours (24 cron periods): the other source every run, this one not at all.
    for (let r = 1; r < 24; r++) await cronWith(at(T0, r), VARS());
    expect(await fetchedPushy()).toBe(pushy0);
    expect(await fetchedPolled()).toBe(polled0 + 23);
    // The next six hours: once, on its slot.
    for (let r = 24; r < 48; r++) await cronWith(at(T0, r), VARS());
    expect(await fetchedPushy()).toBe(pushy0 + 1);
  }, 60_000);
});

describe('publisher', () => {
  it('pings the hub for each topic a run changed, and advertises it on the unfiltered feeds', async () => {
    const pings = (await fx.hub()).filter((h) => h.mode === 'publish').flatMap((h) => h.fields['hub.url']);
    for (const path of ['/feed.xml', '/feed.atom', '/feed.json', '/stories.xml', '/stories.atom', '/stories.feed.json']) expect(pings).toContain(`${BASE}${path}`);
    const rss = await (await callWith('/feed.xml', {}, VARS())).text();
    expect(rss).toContain(`<atom:link rel="hub" href="${fx.url('/hub')}"/>`);
    expect(await (await callWith('/feed.xml?source=pushy', {}, VARS())).text()).not.toContain('rel="hub"');
  });

  it('keeps the pings a down hub refused, never fails the run, and sends them with the next run', async () => {
    await fx.faults(true);
    await fx.bump('polled');
    await cronWith(at(T0, 50), VARS());
    expect((await lastRun()).newEntries).toBe(1);
    let health: any = await jsonWith('/healthz', {}, VARS());
    expect(health.websub.pending_pings).toBeGreaterThan(0);
    await fx.faults(false);
    const sent = (await fx.hub()).filter((h) => h.mode === 'publish').length;
    await cronWith(at(T0, 51), VARS());
    health = await jsonWith('/healthz', {}, VARS());
    expect(health.websub.pending_pings).toBe(0);
    expect((await fx.hub()).filter((h) => h.mode === 'publish').length).toBeGreaterThan(sent);
  });
});
