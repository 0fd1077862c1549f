/**
 * What the public app and the admin app share: the hono environment they run
 * in, coded JSON errors (`{error: {code, message}}`, hono's HTTPException),
 * and reading a request body with a hard size limit.
 */
import { HTTPException } from 'hono/http-exception';
import { readUpTo } from './bytes';
import type { Config, Env } from './config';
import type { CatalogApi } from './store/object';

export type AppEnv = { Bindings: Env; Variables: { config: Config; catalog: CatalogApi } };

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 500 | 503;

export function jsonError(status: ErrorStatus, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return new HTTPException(status, {
    res: new Response(JSON.stringify(errorBody(code, message, extra)), {
      status,
      headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    }),
  });
}

/**
 * The request body as text, reading no more than `max` bytes: a larger body gets 413 as soon as
 * the limit is passed, whether or not it declared its length, so a huge chunked upload is never
 * buffered whole.
 */
export async function readTextCapped(req: Request, max: number): Promise<string> {
  return new TextDecoder().decode(await readBytesCapped(req, max));
}

/** The request body as bytes, reading no more than `max` (see readTextCapped). */
export async function readBytesCapped(req: Request, max: number): Promise<Uint8Array> {
  const tooLarge = () => jsonError(413, 'TOO_LARGE', `request bodies are limited to ${max} bytes`);
  if (Number(req.headers.get('content-length') ?? 0) > max) throw tooLarge();
  if (!req.body) return new Uint8Array(0);
  const body = await readUpTo(req.body, max);
  if (!body) throw tooLarge();
  return body;
}
