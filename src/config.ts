/**
 * Turns the Worker's `env` into one typed, validated `Config`. Every tunable
 * lives here with its default and its bounds, so no other module reads `env`
 * strings. Secrets (ADMIN_TOKEN) arrive through `wrangler secret put` or
 * `.dev.vars`; they are kept out of `toJSON` so a Config can be logged.
 */

export interface Env {
  MARQUEE_KV: KVNamespace;
  /** The catalog's single writer (src/store/object.ts), a SQLite-backed Durable Object. */
  CATALOG: DurableObjectNamespace;
  /** Optional Queue producer binding; when present, due sources beyond one run's budget fan out to queue consumers. */
  FETCH_QUEUE?: Queue<unknown>;
  ADMIN_TOKEN?: string;
  ALLOW_PRIVATE_SOURCES?: string;
  PUBLIC_URL?: string;
  CRON_INTERVAL_MINUTES?: string;
  RETENTION_DAYS?: string;
  RETENTION_MAX_ENTRIES?: string;
  RETENTION_MAX_PER_SOURCE?: string;
  FETCH_TIMEOUT_MS?: string;
  RUN_DEADLINE_MS?: string;
  MAX_BODY_BYTES?: string;
  MAX_REDIRECTS?: string;
  FETCH_CONCURRENCY?: string;
  FETCH_PER_HOST?: string;
  SUBREQUEST_BUDGET?: string;
  FANOUT_BATCH_SIZE?: string;
  MIN_INTERVAL_MINUTES?: string;
  MAX_INTERVAL_MINUTES?: string;
  MAX_BACKOFF_MINUTES?: string;
  PAUSE_AFTER_DAYS?: string;
  REDIRECT_UPDATE_AFTER?: string;
  HEALTH_HEARTBEAT_MINUTES?: string;
  STORY_WINDOW_HOURS?: string;
  VIEW_MEMO_SECONDS?: string;
  USER_AGENT?: string;
  WEBSUB_HUBS?: string;
  WEBSUB_LEASE_SECONDS?: string;
  WEBSUB_POLL_MINUTES?: string;
}

export interface Config {
  adminToken: string | null;
  allowPrivateSources: boolean;
  /** Public origin used in self links when set; otherwise the request's origin. */
  publicUrl: string | null;
  cronIntervalMinutes: number;
  retentionDays: number;
  retentionMaxEntries: number;
  /** No source keeps more than this many entries; above the global cap the largest sources give way first. */
  retentionMaxPerSource: number;
  fetchTimeoutMs: number;
  runDeadlineMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  fetchConcurrency: number;
  /** Simultaneous fetches to one host. */
  fetchPerHost: number;
  /** Fetches allowed per invocation (50 on the free plan, 1,000 on paid). */
  subrequestBudget: number;
  /** Sources per queue message when fanning out; each consumer invocation fetches one message's worth. */
  fanoutBatchSize: number;
  minIntervalMinutes: number;
  maxIntervalMinutes: number;
  maxBackoffMinutes: number;
  pauseAfterDays: number;
  redirectUpdateAfter: number;
  /** Health timestamps are persisted at least this often even when nothing else changed. */
  healthHeartbeatMinutes: number;
  storyWindowHours: number;
  viewMemoSeconds: number;
  userAgent: string;
  /**
   * WebSub hubs Marquee publishes to (websub.ts): advertised in the unfiltered feeds and pinged
   * after a run changes them. Used only with `publicUrl`, which fixes the topics' URLs.
   */
  websubHubs: string[];
  /** Lease asked for when subscribing to a source's hub (the hub may grant another). */
  websubLeaseSeconds: number;
  /** A source with an active subscription is still polled, at least this many minutes apart. */
  websubPollMinutes: number;
}

/**
 * How stories are ranked for `sort=top` (rank.ts has the formula and its reasons). Constants, not
 * variables: a deployment that changed them would rank differently from its own documentation.
 */
export const RANKING = {
  /** A story's score halves for every this many hours since its newest article. */
  halfLifeHours: 6,
  /** Outlets count towards momentum when they published within this many hours before the newest article. */
  momentumHours: 6,
  /** Each outlet beyond the first that arrived within `momentumHours` adds this much weight. */
  momentumWeight: 1,
  /** Top stories need at least this many outlets... */
  minOutlets: 2,
  /** ...and their newest article first seen within this many hours of the catalog revision. */
  horizonHours: 24,
} as const;

export class ConfigError extends Error {
  readonly code = 'BAD_CONFIG';
}

export const PROJECT_URL = 'https://github.com/marquee-news/marquee';

function int(env: Partial<Env>, name: keyof Env, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`config: ${name}=${JSON.stringify(raw)} must be an integer in [${min}, ${max}]`);
  }
  return n;
}

function bool(env: Partial<Env>, name: keyof Env, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = String(raw).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`config: ${name}=${JSON.stringify(raw)} must be true or false`);
}

/** Bindings are not read here, only variables, so a partial env (tests, the bench) is enough. */
export function loadConfig(env: Partial<Env>): Config {
  const cron = int(env, 'CRON_INTERVAL_MINUTES', 15, 1, 1440);
  const minInterval = int(env, 'MIN_INTERVAL_MINUTES', cron, 1, 10080);
  const maxInterval = int(env, 'MAX_INTERVAL_MINUTES', 1440, minInterval, 10080);
  const budget = int(env, 'SUBREQUEST_BUDGET', 50, 1, 10_000);
  let publicUrl: string | null = null;
  if (env.PUBLIC_URL) {
    try {
      publicUrl = new URL(env.PUBLIC_URL).origin;
    } catch {
      throw new ConfigError(`config: PUBLIC_URL=${JSON.stringify(env.PUBLIC_URL)} is not an absolute URL`);
    }
  }
  return {
    adminToken: env.ADMIN_TOKEN ? String(env.ADMIN_TOKEN) : null,
    allowPrivateSources: bool(env, 'ALLOW_PRIVATE_SOURCES', false),
    publicUrl,
    cronIntervalMinutes: cron,
    retentionDays: int(env, 'RETENTION_DAYS', 30, 1, 365),
    retentionMaxEntries: int(env, 'RETENTION_MAX_ENTRIES', 200_000, 100, 2_000_000),
    retentionMaxPerSource: int(env, 'RETENTION_MAX_PER_SOURCE', 10_000, 10, 2_000_000),
    fetchTimeoutMs: int(env, 'FETCH_TIMEOUT_MS', 15_000, 100, 120_000),
    runDeadlineMs: int(env, 'RUN_DEADLINE_MS', 60_000, 1_000, 900_000),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 5 * 1024 * 1024, 1024, 50 * 1024 * 1024),
    maxRedirects: int(env, 'MAX_REDIRECTS', 5, 0, 10),
    // Workers allow 6 simultaneous open connections per invocation.
    fetchConcurrency: int(env, 'FETCH_CONCURRENCY', 6, 1, 6),
    fetchPerHost: int(env, 'FETCH_PER_HOST', 2, 1, 6),
    subrequestBudget: budget,
    // A consumer invocation has the same subrequest limit as the cron, so a batch never exceeds it.
    // 25 by default: a message carries each source with its polling state, and a message is also
    // cut at 100 KB (Queues allow 128 KB); a consumer commits as it goes, in batches of about 2 MB.
    fanoutBatchSize: int(env, 'FANOUT_BATCH_SIZE', Math.min(budget, 25), 1, budget),
    minIntervalMinutes: minInterval,
    maxIntervalMinutes: maxInterval,
    maxBackoffMinutes: int(env, 'MAX_BACKOFF_MINUTES', 24 * 60, 1, 10080),
    pauseAfterDays: int(env, 'PAUSE_AFTER_DAYS', 14, 1, 365),
    redirectUpdateAfter: int(env, 'REDIRECT_UPDATE_AFTER', 3, 1, 100),
    healthHeartbeatMinutes: int(env, 'HEALTH_HEARTBEAT_MINUTES', 360, 1, 10080),
    storyWindowHours: int(env, 'STORY_WINDOW_HOURS', 72, 1, 720),
    viewMemoSeconds: int(env, 'VIEW_MEMO_SECONDS', 10, 0, 300),
    userAgent: env.USER_AGENT || `Marquee/0.1 (+${PROJECT_URL})`,
    websubHubs: hubList(env.WEBSUB_HUBS),
    websubLeaseSeconds: int(env, 'WEBSUB_LEASE_SECONDS', 10 * 86_400, 300, 365 * 86_400),
    websubPollMinutes: int(env, 'WEBSUB_POLL_MINUTES', 360, cron, 10080),
  };
}

/** WEBSUB_HUBS: absolute http(s) URLs separated by commas or white space. */
function hubList(raw: string | undefined): string[] {
  const out: string[] = [];
  for (const h of (raw ?? '').split(/[\s,]+/).filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(h);
    } catch {
      throw new ConfigError(`config: WEBSUB_HUBS entry ${JSON.stringify(h)} is not an absolute URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`config: WEBSUB_HUBS entry ${JSON.stringify(h)} is not http(s)`);
    if (!out.includes(url.href)) out.push(url.href);
  }
  return out;
}

/** The config a run hands the writer with each call: everything but the secret. */
export type RunConfig = Omit<Config, 'adminToken'>;

export function runConfig(c: Config): RunConfig {
  const { adminToken: _secret, ...rest } = c;
  return rest;
}
