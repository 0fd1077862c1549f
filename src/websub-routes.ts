/**
 * The WebSub subscriber's callback (W3C WebSub §5.3 and §7), mounted at
 * /websub; it exists only when PUBLIC_URL is configured:
 *
 *   GET  /websub/callback/:token   verification of intent: 200 with hub.challenge echoed as
 *                                  text/plain for a topic and mode Marquee asked for, 404 for
 *                                  anything else (§5.3.1); a denial (§5.2) is noted with 200
 *   POST /websub/callback/:token   content distribution: stored through the single writer when
 *                                  signed with the subscription's secret (refresh.ts receivePush)
 *
 * The token in the path names one subscription (websub-state.ts); an unknown one is 404 on GET
 * and 410 Gone on POST, which tells a hub to drop it. Responses are never cached and carry no
 * CORS headers.
 */
import { Hono } from 'hono';
import { runConfig } from './config';
import { readBytesCapped, type AppEnv } from './http';
import { receivePush } from './refresh';
import { resetServeMemo } from './serve';

/** A challenge is echoed back as it came, up to this many characters (§5.3 sets no limit; a hub's are short). */
const MAX_CHALLENGE = 4096;
const TOKEN = /^[0-9a-f]{32}$/;

const plain = (status: number, body = '') =>
  new Response(status === 204 ? null : body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } });

export function createWebsubCallback() {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    if (!c.var.config.publicUrl) return plain(404, 'WebSub is off: no PUBLIC_URL is configured');
    await next();
  });

  app.get('/callback/:token', async (c) => {
    const token = c.req.param('token');
    const mode = c.req.query('hub.mode') ?? '';
    const topic = c.req.query('hub.topic') ?? '';
    const challenge = c.req.query('hub.challenge') ?? '';
    const lease = Number(c.req.query('hub.lease_seconds') ?? '');
    if (!TOKEN.test(token) || !topic || !['subscribe', 'unsubscribe', 'denied'].includes(mode)) return plain(404, 'unknown subscription');
    if (mode !== 'denied' && (!challenge || challenge.length > MAX_CHALLENGE)) return plain(404, 'no usable hub.challenge');
    const verdict = await c.var.catalog.websubVerify({
      token, now: new Date().toISOString(), config: runConfig(c.var.config),
      verify: { mode, topic, leaseSeconds: Number.isInteger(lease) && lease > 0 ? lease : null, reason: c.req.query('hub.reason') ?? null },
    });
    if (verdict === 'refuse') return plain(404, 'not a subscription this subscriber asked for');
    return plain(200, verdict === 'confirm' ? challenge : '');
  });

  app.post('/callback/:token', async (c) => {
    const token = c.req.param('token');
    if (!TOKEN.test(token)) return plain(410, 'unknown subscription');
    // Capped like a fetched feed (MAX_BODY_BYTES): a larger body gets 413 as soon as it passes the limit.
    const body = await readBytesCapped(c.req.raw, c.var.config.maxBodyBytes);
    const { config, catalog } = c.var;
    const r = await receivePush(
      { catalog, fetch: (input, init) => fetch(input, init), config, clock: () => Date.now() },
      token, body, c.req.header('content-type') ?? null, c.req.header('x-hub-signature') ?? null, new Date(),
    );
    // This isolate serves the new views at once; others within VIEW_MEMO_SECONDS.
    if (r.status === 204) resetServeMemo();
    return plain(r.status, r.reason);
  });

  return app;
}
