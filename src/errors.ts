/**
 * Coded errors. Every failure a source can cause carries a `code` (stable, for
 * machines and the health record) and a `stage` (where in the pipeline it
 * happened); its message starts with the stage, e.g.
 * `parse: no <rss>, <feed> or <rdf:RDF> root`.
 */
import type { ErrorRecord } from './model';

export type FeedErrorCode =
  // fetch
  | 'HTTP_ERROR'
  | 'NOT_FOUND'
  | 'GONE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'CONNECTION_FAILED'
  | 'TOO_LARGE'
  | 'TOO_MANY_REDIRECTS'
  | 'BLOCKED_URL'
  | 'DEADLINE'
  | 'BUDGET_EXHAUSTED'
  // parse
  | 'INVALID_FEED'
  | 'UNSUPPORTED_FORMAT'
  | 'NOT_A_FEED'
  | 'BAD_ENCODING'
  | 'EMPTY_FEED'
  // anything unexpected
  | 'INTERNAL';

export type Stage = 'fetch' | 'parse' | 'normalize' | 'store' | 'refresh';

export class FeedError extends Error {
  readonly code: FeedErrorCode;
  readonly stage: Stage;
  /** Seconds the server asked us to wait (Retry-After), when it said so. */
  readonly retryAfterSeconds: number | null;
  readonly status: number | null;

  constructor(
    code: FeedErrorCode,
    stage: Stage,
    detail: string,
    opts: { status?: number | null; retryAfterSeconds?: number | null; cause?: unknown } = {},
  ) {
    super(`${stage}: ${detail}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FeedError';
    this.code = code;
    this.stage = stage;
    this.status = opts.status ?? null;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? null;
  }

  toRecord(at: Date): ErrorRecord {
    return { code: this.code, stage: this.stage, message: this.message, at: at.toISOString() };
  }
}

/** Wrap anything thrown into a FeedError so the health record always has a code. */
export function asFeedError(err: unknown, stage: Stage): FeedError {
  if (err instanceof FeedError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new FeedError('INTERNAL', stage, msg.slice(0, 300), { cause: err });
}
