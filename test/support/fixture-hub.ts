/**
 * A WebSub hub (W3C WebSub §5–§8) on a loopback port, for the client tests
 * against a real `wrangler dev`: it takes subscription requests, verifies the
 * subscriber's intent by calling its callback with a challenge, keeps the
 * subscriptions it verified with their leases and secrets, takes publish
 * pings, and distributes content signed with X-Hub-Signature. Tests steer it
 * through control routes and read what it saw. Written for these tests from
 * the spec, not a production hub.
 *
 *   POST /hub               hub.mode=subscribe|unsubscribe (§5.1): 202, then verifies (§5.3)
 *                           hub.mode=publish with hub.url / hub.topic: recorded, 204
 *   GET  /__state           {requests, verifications, subscriptions, pings}
 *   POST /__lease?seconds=N the lease granted from now on (default: what was asked for)
 *   POST /__distribute?topic=T&sig=good|bad|none|sha1   the body, to every subscriber of T:
 *                           [{callback, status, body}]
 *   POST /__verify?callback=C&topic=T&mode=M   a verification of intent of the test's choosing:
 *                           {status, body, challenge}
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubRequest {
  mode: string;
  callback: string | null;
  topic: string | null;
  secret: string | null;
  leaseSeconds: number | null;
  at: number;
}

export interface HubVerification {
  mode: string;
  callback: string;
  topic: string;
  status: number;
  confirmed: boolean;
  at: number;
}

export interface HubSubscription {
  callback: string;
  topic: string;
  secret: string | null;
  leaseSeconds: number;
  expiresAt: number;
}

export interface FixtureHub {
  origin: string;
  /** The hub URL to advertise and configure: `${origin}/hub`. */
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, value: unknown, status = 200): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(value));
}

export async function startFixtureHub(): Promise<FixtureHub> {
  const requests: HubRequest[] = [];
  const verifications: HubVerification[] = [];
  const subscriptions = new Map<string, HubSubscription>();
  const pings: Array<{ urls: string[]; at: number }> = [];
  let grantLease: number | null = null;

  /** §5.3: GET the callback with the challenge; the intent is confirmed by a 2xx echoing it. */
  async function verify(mode: string, callback: string, topic: string, leaseSeconds: number | null): Promise<{ status: number; body: string; challenge: string }> {
    const challenge = randomBytes(12).toString('hex');
    const u = new URL(callback);
    u.searchParams.set('hub.mode', mode);
    u.searchParams.set('hub.topic', topic);
    u.searchParams.set('hub.challenge', challenge);
    if (leaseSeconds !== null) u.searchParams.set('hub.lease_seconds', String(leaseSeconds));
    try {
      const res = await fetch(u);
      return { status: res.status, body: await res.text(), challenge };
    } catch (err) {
      return { status: 0, body: String(err), challenge };
    }
  }

  async function onRequest(r: HubRequest): Promise<void> {
    if (!r.callback || !r.topic) return;
    const lease = r.mode === 'subscribe' ? (grantLease ?? r.leaseSeconds ?? 86_400) : null;
    const v = await verify(r.mode, r.callback, r.topic, lease);
    const confirmed = v.status >= 200 && v.status < 300 && v.body === v.challenge;
    verifications.push({ mode: r.mode, callback: r.callback, topic: r.topic, status: v.status, confirmed, at: Date.now() });
    if (!confirmed) return;
    if (r.mode === 'subscribe') {
      subscriptions.set(`${r.callback} ${r.topic}`, { callback: r.callback, topic: r.topic, secret: r.secret, leaseSeconds: lease!, expiresAt: Date.now() + lease! * 1000 });
    } else {
      subscriptions.delete(`${r.callback} ${r.topic}`);
    }
  }

  async function distribute(topic: string, body: Buffer, type: string, sig: string): Promise<Array<{ callback: string; status: number; body: string }>> {
    const out: Array<{ callback: string; status: number; body: string }> = [];
    for (const s of subscriptions.values()) {
      if (s.topic !== topic) continue;
      const headers: Record<string, string> = { 'Content-Type': type, Link: `<${topic}>; rel="self", <http://hub/>; rel="hub"` };
      if (s.secret && sig !== 'none') {
        const method = sig === 'sha1' ? 'sha1' : 'sha256';
        const mac = createHmac(method, sig === 'bad' ? `${s.secret}x` : s.secret).update(body).digest('hex');
        headers['X-Hub-Signature'] = `${method}=${mac}`;
      }
      const res = await fetch(s.callback, { method: 'POST', headers, body });
      out.push({ callback: s.callback, status: res.status, body: await res.text() });
    }
    return out;
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub.local');
    try {
      if (url.pathname === '/hub' && req.method === 'POST') {
        const form = new URLSearchParams((await readBody(req)).toString('utf8'));
        const mode = form.get('hub.mode') ?? '';
        if (mode === 'publish') {
          pings.push({ urls: [...new Set([...form.getAll('hub.url'), ...form.getAll('hub.topic')])], at: Date.now() });
          res.statusCode = 204;
          res.end();
          return;
        }
        const lease = form.get('hub.lease_seconds');
        const r: HubRequest = {
          mode, callback: form.get('hub.callback'), topic: form.get('hub.topic'), secret: form.get('hub.secret'),
          leaseSeconds: lease ? Number(lease) : null, at: Date.now(),
        };
        requests.push(r);
        if ((mode !== 'subscribe' && mode !== 'unsubscribe') || !r.callback || !r.topic) {
          res.statusCode = 400;
          res.end('bad request');
          return;
        }
        // §5.1.1: accepted; the verification of intent follows asynchronously.
        res.statusCode = 202;
        res.end();
        setTimeout(() => void onRequest(r), 10);
        return;
      }
      if (url.pathname === '/__state') {
        return json(res, { requests, verifications, subscriptions: [...subscriptions.values()], pings });
      }
      if (url.pathname === '/__lease' && req.method === 'POST') {
        const s = url.searchParams.get('seconds');
        grantLease = s ? Number(s) : null;
        return json(res, { grantLease });
      }
      if (url.pathname === '/__distribute' && req.method === 'POST') {
        const body = await readBody(req);
        return json(res, await distribute(url.searchParams.get('topic') ?? '', body, req.headers['content-type'] ?? 'application/rss+xml', url.searchParams.get('sig') ?? 'good'));
      }
      if (url.pathname === '/__verify' && req.method === 'POST') {
        const p = url.searchParams;
        return json(res, await verify(p.get('mode') ?? 'subscribe', p.get('callback') ?? '', p.get('topic') ?? '', p.has('lease') ? Number(p.get('lease')) : null));
      }
      res.statusCode = 404;
      res.end('not found');
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/hub`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
