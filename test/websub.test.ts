/**
 * The network half of WebSub (src/websub.ts) in Node: X-Hub-Signature checked
 * against Node's own HMAC (node:crypto) for every method on generated bodies,
 * the constant-time comparison, and the form posts (subscription request,
 * publish ping) as a real HTTP server on loopback receives them, including a
 * hub that refuses, redirects or is not there.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, runConfig } from '../src/config';
import { callbackUrl, sameBytes, sendPing, sendRequest, signBody, topicHubs, verifySignature } from '../src/websub';
import { Rng, seedFor } from './support/fuzz';

describe('X-Hub-Signature (§8)', () => {
  it('accepts exactly the HMAC Node computes, for sha1, sha256, sha384 and sha512, on generated bodies', async () => {
    const rng = new Rng(seedFor('websub-signature'));
    let nonEmpty = 0;
    for (let i = 0; i < 200; i++) {
      const body = Uint8Array.from({ length: rng.int(3000) }, () => rng.int(256));
      const secret = Array.from({ length: 1 + rng.int(64) }, () => rng.int(36).toString(36)).join('');
      const method = (['sha1', 'sha256', 'sha384', 'sha512'] as const)[i % 4];
      const mac = createHmac(method, secret).update(body).digest('hex');
      expect(await signBody(secret, body, method)).toBe(`${method}=${mac}`);
      expect(await verifySignature(secret, body, `${method}=${mac}`)).toBe('ok');
      expect(await verifySignature(secret, body, `${method}=${mac.toUpperCase()}`)).toBe('ok');
      // One flipped bit of the signature, of the body, or another secret: refused.
      const flipped = mac.slice(0, -1) + ((parseInt(mac.slice(-1), 16) ^ 1).toString(16));
      expect(await verifySignature(secret, body, `${method}=${flipped}`)).toBe('mismatch');
      if (body.length) {
        nonEmpty++;
        const other = body.slice();
        other[rng.int(other.length)] ^= 1;
        expect(await verifySignature(secret, other, `${method}=${mac}`)).toBe('mismatch');
      }
      expect(await verifySignature(`${secret}x`, body, `${method}=${mac}`)).toBe('mismatch');
    }
    expect(nonEmpty).toBeGreaterThan(190);
  });

  it('refuses a missing, malformed, truncated or unknown-method signature', async () => {
    const body = new TextEncoder().encode('<rss/>');
    const good = await signBody('s3cret', body);
    expect(await verifySignature('s3cret', body, null)).toBe('missing');
    expect(await verifySignature('s3cret', body, '')).toBe('missing');
    expect(await verifySignature('s3cret', body, good.slice(0, -2))).toBe('mismatch');
    expect(await verifySignature('s3cret', body, 'sha256=xyz')).toBe('mismatch');
    expect(await verifySignature('s3cret', body, good.replace('sha256', 'md5'))).toBe('unsupported');
  });

  it('compares every byte (no early exit) and tells lengths apart', () => {
    expect(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([9, 2, 3]))).toBe(false);
    expect(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
  });
});

describe('requests to a hub over HTTP', () => {
  let server: Server;
  let origin = '';
  const seen: Array<{ path: string; form: URLSearchParams; type: string | undefined; ua: string | undefined }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', form: new URLSearchParams(Buffer.concat(chunks).toString()), type: req.headers['content-type'], ua: req.headers['user-agent'] });
        if (req.url === '/refuse') res.statusCode = 500;
        else if (req.url === '/moved') {
          res.statusCode = 307;
          res.setHeader('Location', '/hub');
        } else res.statusCode = 202;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const cfg = { ...runConfig(loadConfig({ ALLOW_PRIVATE_SOURCES: 'true', FETCH_TIMEOUT_MS: '2000' })), publicUrl: 'https://marquee.example' };
  const req = (hub: string, mode: 'subscribe' | 'unsubscribe' = 'subscribe') => ({ token: 'ab'.repeat(16), mode, hub, topic: 'https://news.example/feed.xml', secret: 'cd'.repeat(32) });

  it('posts a subscription request as a form with callback, topic, lease and secret (§5.1)', async () => {
    expect(await sendRequest(fetch, req(`${origin}/hub`), cfg)).toEqual({ ok: true });
    const got = seen.at(-1)!;
    expect(got.type).toBe('application/x-www-form-urlencoded');
    expect(got.ua).toBe(cfg.userAgent);
    expect(Object.fromEntries(got.form)).toEqual({
      'hub.callback': callbackUrl(cfg.publicUrl, 'ab'.repeat(16)), 'hub.mode': 'subscribe', 'hub.topic': 'https://news.example/feed.xml',
      'hub.lease_seconds': String(cfg.websubLeaseSeconds), 'hub.secret': 'cd'.repeat(32),
    });
    expect(await sendRequest(fetch, req(`${origin}/hub`, 'unsubscribe'), cfg)).toEqual({ ok: true });
    expect([...seen.at(-1)!.form.keys()]).toEqual(['hub.callback', 'hub.mode', 'hub.topic']);
  });

  it('reports a refusal, a redirect (not followed), a hub that is not there, and a hub the URL policy forbids', async () => {
    expect(await sendRequest(fetch, req(`${origin}/refuse`), cfg)).toMatchObject({ ok: false, code: 'HUB_REFUSED' });
    const before = seen.length;
    expect(await sendRequest(fetch, req(`${origin}/moved`), cfg)).toMatchObject({ ok: false, code: 'HUB_REFUSED' });
    expect(seen.length).toBe(before + 1);
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    expect(await sendRequest(fetch, req(`http://127.0.0.1:${port}/hub`), cfg)).toMatchObject({ ok: false, code: 'CONNECTION_FAILED' });
    expect(await sendRequest(fetch, req(`${origin}/hub`), { ...cfg, allowPrivateSources: false })).toMatchObject({ ok: false, code: 'URL_NOT_ALLOWED' });
  });

  it('pings with hub.mode=publish and the topic as hub.url and hub.topic', async () => {
    expect(await sendPing(fetch, `${origin}/hub`, 'https://marquee.example/stories.xml', cfg)).toEqual({ ok: true });
    expect([...seen.at(-1)!.form]).toEqual([['hub.mode', 'publish'], ['hub.url', 'https://marquee.example/stories.xml'], ['hub.topic', 'https://marquee.example/stories.xml']]);
  });

  it('advertises and pings hubs only with PUBLIC_URL', () => {
    expect(topicHubs(loadConfig({ WEBSUB_HUBS: 'https://a.example/, https://b.example/hub' }))).toEqual([]);
    expect(topicHubs(loadConfig({ WEBSUB_HUBS: 'https://a.example/ https://b.example/hub', PUBLIC_URL: 'https://m.example/x' }))).toEqual(['https://a.example/', 'https://b.example/hub']);
    expect(() => loadConfig({ WEBSUB_HUBS: 'ftp://a.example/' })).toThrow(/WEBSUB_HUBS/);
  });
});
