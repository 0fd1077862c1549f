/**
 * The admin API, mounted at /admin behind a Bearer token (ADMIN_TOKEN):
 *
 *   GET  /admin/sources              sources with their health: last fetch, status, last success,
 *                                    failures, next due, last error, validators, entries
 *   PUT  /admin/sources              replace the source list (JSON or OPML)
 *   POST /admin/sources/:id/resume   un-pause a paused source
 *   POST /admin/refresh              run the ingest now (?source=<id>)
 *   GET  /admin/runs                 the last run summaries, newest first (?limit, ?cursor)
 *   GET  /admin/runs/:n              one run summary (/healthz links the last one)
 *
 * Handlers ask the catalog object for a transition; none writes state itself.
 * A missing or wrong token gets 401; no configured token at all gets 403.
 * Responses are never cached and carry no CORS headers.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { runConfig } from './config';
import { sha256Hex } from './hash';
import { describeSource, healthCounts } from './health';
import { jsonError, readTextCapped, type AppEnv } from './http';
import type { Source } from './model';
import { refresh, UnknownSourceError } from './refresh';
import { notDueReason } from './schedule';
import { resetServeMemo } from './serve';
import { SourceListError, sourcesFromJson, sourcesFromOpml } from './sources';
import { WEBSUB_STEP_MAX, websubStep } from './websub';
import { describeSubscription } from './websub-state';

/** Source lists are read up to this many bytes; a larger body gets 413 without being read whole. */
export const MAX_ADMIN_BODY = 2 * 1024 * 1024;
const OPML_TYPES = ['text/x-opml', 'application/xml', 'text/xml', 'application/x-opml', 'text/x-opml+xml'];
const RUNS_PAGE_MAX = 200;

/** Compare secrets without leaking their length or content through timing. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([sha256Hex(enc.encode(a)), sha256Hex(enc.encode(b))]);
  let diff = 0;
  for (let i = 0; i < da.length; i++) diff |= da.charCodeAt(i) ^ db.charCodeAt(i);
  return diff === 0;
}

/** Parse an uploaded list as JSON or OPML, or throw a coded 4xx naming every problem. */
function parseSourceList(type: string, text: string, allowPrivate: boolean): Source[] {
  try {
    if (type === 'application/json' || type === '') {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw jsonError(400, 'INVALID_JSON', `body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      return sourcesFromJson(body, allowPrivate);
    }
    if (OPML_TYPES.includes(type)) return sourcesFromOpml(text, allowPrivate);
    throw jsonError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json (see schemas/sources.schema.json) or text/x-opml');
  } catch (err) {
    if (err instanceof SourceListError) throw jsonError(400, err.code, err.message, { problems: err.problems });
    throw err;
  }
}

/**
 * Throw the coded 401/403 unless the request carries the admin token (Bearer). Shared by /admin/*
 * and the admin-only views of public routes (`/stories.json?explain=1`).
 */
export async function requireAdmin(c: Context<AppEnv>): Promise<void> {
  const token = c.var.config.adminToken;
  if (!token) throw jsonError(403, 'ADMIN_DISABLED', 'admin routes are disabled: no ADMIN_TOKEN is configured', {}, { 'Cache-Control': 'no-store' });
  const m = /^Bearer\s+(.+)$/i.exec((c.req.header('authorization') ?? '').trim());
  if (!m || !(await sameSecret(m[1], token))) {
    throw jsonError(401, 'UNAUTHORIZED', m ? 'wrong admin token' : 'missing "Authorization: Bearer <token>" header', {}, { 'WWW-Authenticate': 'Bearer realm="marquee-admin"', 'Cache-Control': 'no-store' });
  }
}

export function createAdmin() {
  const admin = new Hono<AppEnv>();

  admin.use('*', async (c, next) => {
    await requireAdmin(c);
    await next();
    c.header('Cache-Control', 'no-store');
  });

  admin.get('/sources', async (c) => {
    const cfg = runConfig(c.var.config);
    const list = await c.var.catalog.adminSources({ config: cfg });
    const now = new Date();
    const states = list.rows.map((r) => r.state);
    return c.json({
      sources: list.rows.map((r) => ({ ...describeSource(r.source, r.state, r.entries, now, cfg), state_saved_at: r.savedAt, websub: r.subscriptions.map((x) => describeSubscription(x, now)) })),
      summary: healthCounts(states),
      list_updated_at: list.updatedAt,
      using_defaults: list.updatedAt === null,
      // Unchanged polls are not saved, so last_fetch_at can be older than the real last fetch by
      // up to the heartbeat; state_saved_at (per source) says when it was.
      heartbeat_minutes: cfg.healthHeartbeatMinutes,
      last_run: list.lastRun,
    });
  });

  admin.put('/sources', async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const text = await readTextCapped(c.req.raw, MAX_ADMIN_BODY);
    const sources = parseSourceList(type, text, c.var.config.allowPrivateSources);
    const now = new Date();
    const cfg = runConfig(c.var.config);
    const done = await c.var.catalog.replaceSources({ sources, now: now.toISOString(), config: cfg });
    resetServeMemo();
    // Unsubscribe removed sources from their hubs now (what fails is retried by the next run).
    if (done.removed.length) await websubStep({ catalog: c.var.catalog, fetch: (input, init) => fetch(input, init) }, cfg, now, WEBSUB_STEP_MAX);
    return c.json({ ok: true, sources: sources.length, ids: sources.map((s) => s.id), renamed: done.renamed.map(([from, to]) => ({ from, to })), removed: done.removed });
  });

  admin.post('/sources/:id/resume', async (c) => {
    const id = c.req.param('id');
    const cfg = runConfig(c.var.config);
    const state = await c.var.catalog.resume({ id, now: new Date().toISOString(), config: cfg });
    if (!state) throw jsonError(404, 'UNKNOWN_SOURCE', `no source with id "${id}"`);
    return c.json({ ok: true, id, status: 'resumed', interval_minutes: state.intervalMinutes, cron_interval_minutes: cfg.cronIntervalMinutes });
  });

  // Counts every active source as due whatever its interval, but conditional requests,
  // Retry-After and failure backoff still apply, and so does the subrequest budget.
  admin.post('/refresh', async (c) => {
    const { config, catalog } = c.var;
    const only = c.req.query('source') || undefined;
    const now = new Date();
    try {
      const summary = await refresh({ catalog, fetch: (input, init) => fetch(input, init), config, clock: () => Date.now() }, now, { trigger: 'manual', only });
      resetServeMemo();
      if (only && summary.sourcesFetched === 0) return c.json({ ...summary, skipped: await skipped(c.var.catalog, only, now, runConfig(config), summary) });
      return c.json(summary);
    } catch (err) {
      if (err instanceof UnknownSourceError) throw jsonError(404, 'UNKNOWN_SOURCE', err.message);
      throw err;
    }
  });

  admin.get('/runs', async (c) => {
    const limit = Math.min(RUNS_PAGE_MAX, Math.max(1, Number(c.req.query('limit') ?? 50) || 50));
    const cursorRaw = c.req.query('cursor');
    const before = cursorRaw ? Number(cursorRaw) : null;
    if (before !== null && (!Number.isInteger(before) || before < 1)) throw jsonError(400, 'INVALID_QUERY', 'cursor is not one this server issued', { param: 'cursor' });
    const rows = await c.var.catalog.runs({ limit: limit + 1, before });
    const page = rows.slice(0, limit);
    const origin = c.var.config.publicUrl ?? new URL(c.req.url).origin;
    const next = rows.length > limit ? `${origin}/admin/runs?limit=${limit}&cursor=${page[page.length - 1].n}` : undefined;
    return c.json({ runs: page.map((r) => ({ n: r.n, ...r.summary })), next_url: next });
  });

  admin.get('/runs/:n', async (c) => {
    const n = Number(c.req.param('n'));
    if (!Number.isInteger(n) || n < 1) throw jsonError(400, 'INVALID_QUERY', 'a run number is a whole number from 1', { param: 'n' });
    const [row] = await c.var.catalog.runs({ limit: 1, before: n + 1 });
    if (!row || row.n !== n) throw jsonError(404, 'UNKNOWN_RUN', `no run ${n} in the last ${RUNS_PAGE_MAX} runs`);
    return c.json({ n: row.n, ...row.summary });
  });

  admin.all('*', () => {
    throw new HTTPException(404, { res: new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such admin route' } }), { status: 404, headers: { 'Content-Type': 'application/json; charset=utf-8' } }) });
  });

  return admin;
}

/** Why the one source asked for was not fetched (paused, backoff, Retry-After, queued, budget). */
async function skipped(catalog: AppEnv['Variables']['catalog'], id: string, now: Date, cfg: ReturnType<typeof runConfig>, summary: { sourcesDeferred: number; deadlineHit: boolean }) {
  const row = (await catalog.adminSources({ config: cfg })).rows.find((r) => r.source.id === id);
  const reason = row ? notDueReason(row.state, now, cfg, true) : null;
  return { source: id, reason: reason ?? (summary.sourcesDeferred ? (summary.deadlineHit ? 'deadline' : 'budget') : null), not_before: row?.state.notBefore ?? null };
}
