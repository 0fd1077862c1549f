/**
 * WebSub both ways over real HTTP on loopback: a fixture hub
 * (test/support/fixture-hub.ts) and a `wrangler dev` of Marquee of its own,
 * with PUBLIC_URL (its own origin, so the hub can call it back) and
 * WEBSUB_HUBS (the fixture hub). Two sources advertise hubs: `pushy` the
 * fixture hub, `downhub` a hub whose port nothing listens on.
 *
 * Subscriber: the subscription request, the hub's verification of intent,
 * a pushed entry served by /feed.json with no cron run, a bad or missing
 * signature (not stored), verifications for what Marquee did not ask
 * (404), renewal before the lease ends, an expired lease (pushes refused,
 * then subscribed again), a hub that is down (the run goes on, polling
 * continues), and unsubscribing when the source is removed.
 * Publisher: rel=hub/self in the feeds and publish pings for the topics a
 * run changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureHub, type FixtureHub, type HubRequest, type HubSubscription, type HubVerification } from '../support/fixture-hub';
import { freePort, startDevServer, type DevServer } from './dev-server';

let hub: FixtureHub;
let dev: DevServer;
let downHub: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** An RSS feed advertising `hubUrl` with `self` as its topic (WebSub §4), items newest first. */
function feed(self: string, hubUrl: string, items: Array<{ id: string; title: string; date: string }>): string {
  const body = items.map((i) => `<item><title>${esc(i.title)}</title><link>https://pushy.example/${i.id}</link><guid isPermaLink="false">${i.id}</guid>` +
    `<pubDate>${new Date(i.date).toUTCString()}</pubDate><description>${esc(i.title)}.</description></item>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Pushy</title>` +
    `<link>https://pushy.example/</link><description>pushed</description><atom:link rel="self" href="${esc(self)}"/><atom:link rel="hub" href="${esc(hubUrl)}"/>\n${body}\n</channel></rss>\n`;
}

const FIRST = [
  { id: 'pushy-2', title: 'Pushy seeded story two', date: '2026-11-20T10:00:00Z' },
  { id: 'pushy-1', title: 'Pushy seeded story one', date: '2026-11-20T09:00:00Z' },
];

let pushyTopic = '';

interface HubState {
  requests: HubRequest[];
  verifications: HubVerification[];
  subscriptions: HubSubscription[];
  pings: Array<{ urls: string[]; at: number }>;
}

async function hubState(): Promise<HubState> {
  return (await fetch(`${hub.origin}/__state`)).json() as Promise<HubState>;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const admin = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${dev.origin}${path}`, { ...init, headers: { ...(init.headers ?? {}), Authorization: `Bearer ${dev.token}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
};
const sourceHealth = async (id: string) => (await admin('/admin/sources')).sources.find((s: any) => s.id === id);
const titles = async (path = '/feed.json?limit=500&dedupe=false') => ((await (await fetch(`${dev.origin}${path}`)).json()) as any).items.map((i: any) => i.title);

async function distribute(body: string, sig: 'good' | 'bad' | 'none' | 'sha1'): Promise<Array<{ callback: string; status: number; body: string }>> {
  const res = await fetch(`${hub.origin}/__distribute?topic=${encodeURIComponent(pushyTopic)}&sig=${sig}`, { method: 'POST', body, headers: { 'Content-Type': 'application/rss+xml' } });
  return res.json() as Promise<Array<{ callback: string; status: number; body: string }>>;
}

beforeAll(async () => {
  hub = await startFixtureHub();
  downHub = `http://127.0.0.1:${await freePort()}/hub`;
  dev = await startDevServer({
    publicUrl: true,
    vars: { WEBSUB_HUBS: hub.url },
    sources: (o) => [{ id: 'pushy', url: `${o}/dyn/pushy`, category: 'news' }, { id: 'downhub', url: `${o}/dyn/downhub`, category: 'news' }],
    prepare: async (fx) => {
      pushyTopic = `${fx.origin}/dyn/pushy`;
      const put = (name: string, body: string) => fetch(`${fx.origin}/__feed/${name}`, { method: 'PUT', body, headers: { 'Content-Type': 'application/rss+xml' } });
      await put('pushy', feed(pushyTopic, hub.url, FIRST));
      await put('downhub', feed(`${fx.origin}/dyn/downhub`, downHub, [{ id: 'down-1', title: 'Polled despite its hub', date: '2026-11-20T08:00:00Z' }]));
    },
  });
}, 180_000);

afterAll(async () => {
  await dev?.stop();
  await hub?.close();
});

describe('subscriber', () => {
  it('subscribes to the hub a feed advertises, with a callback, a secret and a lease, and confirms the hub\'s verification', async () => {
    const verified = await until('the verification', async () => (await hubState()).verifications.find((v) => v.topic === pushyTopic && v.mode === 'subscribe'));
    expect(verified.confirmed).toBe(true);
    expect(verified.callback).toMatch(new RegExp(`^${dev.origin}/websub/callback/[0-9a-f]{32}$`));
    const req = (await hubState()).requests.find((r) => r.topic === pushyTopic)!;
    expect(req).toMatchObject({ mode: 'subscribe', callback: verified.callback, leaseSeconds: 864_000 });
    expect(req.secret).toMatch(/^[0-9a-f]{64}$/);
    const health = await until('an active subscription', async () => {
      const h = await sourceHealth('pushy');
      return h.websub[0]?.status === 'active' ? h : null;
    });
    expect(health.websub[0]).toMatchObject({ hub: hub.url, topic: pushyTopic, lease_seconds: 864_000 });
    const healthz: any = await (await fetch(`${dev.origin}/healthz`)).json();
    expect(healthz.websub.subscriptions.active).toBe(1);
  });

  it('serves a pushed entry from /feed.json at once, with no cron run in between', async () => {
    const before = (await admin('/admin/runs?limit=200')).runs.map((r: any) => r.n);
    const pushed = feed(pushyTopic, hub.url, [{ id: 'pushy-3', title: 'Pushy breaking story three', date: '2026-11-20T11:00:00Z' }, ...FIRST]);
    const [delivery] = await distribute(pushed, 'good');
    expect(delivery.status).toBe(204);
    expect(await titles('/feed.json')).toContain('Pushy breaking story three');
    const runs = (await admin('/admin/runs?limit=200')).runs.filter((r: any) => !before.includes(r.n));
    expect(runs.map((r: any) => r.trigger)).toEqual(['push']);
    expect(runs[0]).toMatchObject({ newEntries: 1, parsed: 1, sourcesFetched: 0 });
    // A hub that signs with SHA-1 (older hubs) is heard too.
    const sha1 = feed(pushyTopic, hub.url, [{ id: 'pushy-4', title: 'Pushy story four, signed with SHA-1', date: '2026-11-20T12:00:00Z' }]);
    expect((await distribute(sha1, 'sha1'))[0].status).toBe(204);
    expect(await titles()).toContain('Pushy story four, signed with SHA-1');
    expect((await sourceHealth('pushy')).websub[0].pushes).toBe(2);
  });

  it('stores nothing from a body with a wrong or missing signature', async () => {
    const forged = feed(pushyTopic, hub.url, [{ id: 'forged-1', title: 'Forged story', date: '2026-11-20T13:00:00Z' }]);
    for (const sig of ['bad', 'none'] as const) {
      const [d] = await distribute(forged, sig);
      // WebSub §8: the subscriber MAY acknowledge with a 2xx, and MUST ignore the message.
      expect(d.status).toBe(202);
      expect(d.body).toMatch(sig === 'bad' ? /signature mismatch/ : /signature missing/);
    }
    expect(await titles()).not.toContain('Forged story');
    expect((await sourceHealth('pushy')).websub[0].rejected).toBe(2);
  });

  it('refuses a verification for a topic, a mode or a callback it did not ask for (404)', async () => {
    const callback = (await hubState()).verifications.find((v) => v.topic === pushyTopic)!.callback;
    const check = async (q: Record<string, string>) => (await (await fetch(`${hub.origin}/__verify?${new URLSearchParams(q)}`, { method: 'POST' })).json()) as { status: number; body: string };
    expect((await check({ callback, topic: 'https://unknown.example/feed.xml', mode: 'subscribe', lease: '600' })).status).toBe(404);
    expect((await check({ callback, topic: pushyTopic, mode: 'unsubscribe' })).status).toBe(404);
    expect((await check({ callback: `${dev.origin}/websub/callback/${'0'.repeat(32)}`, topic: pushyTopic, mode: 'subscribe', lease: '600' })).status).toBe(404);
    // And the one it asked for is still confirmed (a hub may verify again).
    const ok = await check({ callback, topic: pushyTopic, mode: 'subscribe', lease: '864000' });
    expect(ok.status).toBe(200);
  });

  it('renews before the lease ends; once a lease has lapsed, refuses pushes and subscribes again', async () => {
    const subscribes = async () => (await hubState()).requests.filter((r) => r.topic === pushyTopic && r.mode === 'subscribe').length;
    const n0 = await subscribes();
    const callback = (await hubState()).verifications.find((v) => v.topic === pushyTopic)!.callback;
    // The hub cuts the lease to 10 minutes (it may verify again at any time, §5.3). A lease that
    // ends within two cron periods is renewed by the next run, before it ends.
    const cut = (await (await fetch(`${hub.origin}/__verify?${new URLSearchParams({ callback, topic: pushyTopic, mode: 'subscribe', lease: '600' })}`, { method: 'POST' })).json()) as { status: number };
    expect(cut.status).toBe(200);
    expect((await sourceHealth('pushy')).websub[0].lease_seconds).toBe(600);
    await fetch(`${hub.origin}/__lease?seconds=600`, { method: 'POST' });
    await admin('/admin/refresh', { method: 'POST' });
    expect(await subscribes()).toBe(n0 + 1);
    await until('the renewal', async () => (await hubState()).verifications.filter((v) => v.topic === pushyTopic && v.mode === 'subscribe' && v.confirmed).length >= 2);
    expect((await sourceHealth('pushy')).websub[0].status).toBe('active');
    // Now a 2-second lease, renewed by the next run, left to lapse.
    await fetch(`${hub.origin}/__lease?seconds=2`, { method: 'POST' });
    await admin('/admin/refresh', { method: 'POST' });
    await until('the short lease', async () => (await sourceHealth('pushy')).websub[0].lease_seconds === 2);
    await sleep(2_500);
    expect((await sourceHealth('pushy')).websub[0].status).toBe('expired');
    const late = feed(pushyTopic, hub.url, [{ id: 'late-1', title: 'Pushed after the lease ended', date: '2026-11-20T14:00:00Z' }]);
    const [d] = await distribute(late, 'good');
    expect(d.status).toBe(410);
    expect(await titles()).not.toContain('Pushed after the lease ended');
    // The next run subscribes again.
    await fetch(`${hub.origin}/__lease`, { method: 'POST' });
    await admin('/admin/refresh', { method: 'POST' });
    await until('an active subscription again', async () => (await sourceHealth('pushy')).websub[0].status === 'active');
    expect(await subscribes()).toBe(n0 + 3);
  });

  it('goes on when a hub is down: the run succeeds, the request is retried later, the source is still polled', async () => {
    const h = await sourceHealth('downhub');
    expect(h.websub[0]).toMatchObject({ hub: downHub, status: 'failed' });
    expect(h.websub[0].last_error.code).toBe('CONNECTION_FAILED');
    expect(h.websub[0].retry_at).not.toBeNull();
    expect(h.status).toBe('healthy');
    expect(await titles()).toContain('Polled despite its hub');
  });

  it('unsubscribes from the hub when the source is removed', async () => {
    const list = [{ id: 'downhub', url: `${dev.fixture.origin}/dyn/downhub`, category: 'news' }];
    const res = await admin('/admin/sources', { method: 'PUT', body: JSON.stringify(list), headers: { 'Content-Type': 'application/json' } });
    expect(res.removed).toEqual(['pushy']);
    const v = await until('the unsubscription', async () => (await hubState()).verifications.find((x) => x.topic === pushyTopic && x.mode === 'unsubscribe'));
    expect(v.confirmed).toBe(true);
    expect((await hubState()).subscriptions.filter((s) => s.topic === pushyTopic)).toEqual([]);
    expect((await admin('/healthz')).websub.subscriptions.unsubscribing ?? 0).toBe(0);
  });
});

describe('publisher', () => {
  it('advertises the hub and itself on the unfiltered feeds, and not on filtered ones', async () => {
    const rss = await (await fetch(`${dev.origin}/stories.xml`)).text();
    expect(rss).toContain(`<atom:link rel="hub" href="${hub.url}"/>`);
    expect(rss).toContain(`<atom:link rel="self" type="application/rss+xml" href="${dev.origin}/stories.xml"/>`);
    const atom = await (await fetch(`${dev.origin}/feed.atom`)).text();
    expect(atom).toContain(`<link rel="hub" href="${hub.url}"/>`);
    const json: any = await (await fetch(`${dev.origin}/feed.json`)).json();
    expect(json.hubs).toEqual([{ type: 'WebSub', url: hub.url }]);
    expect(json.feed_url).toBe(`${dev.origin}/feed.json`);
    expect(await (await fetch(`${dev.origin}/feed.xml?category=news`)).text()).not.toContain('rel="hub"');
  });

  it('pings the hub for every topic a run or a push changed', async () => {
    const pinged = new Set((await hubState()).pings.flatMap((p) => p.urls));
    for (const path of ['/feed.xml', '/feed.atom', '/feed.json', '/stories.xml', '/stories.atom', '/stories.feed.json']) expect(pinged).toContain(`${dev.origin}${path}`);
    expect((await admin('/healthz')).websub.pending_pings).toBe(0);
  });
});
