/**
 * A real HTTP server on a loopback port that plays the upstream publishers in
 * tests and benchmarks. It runs in Node (vitest globalSetup, bench scripts);
 * the Worker under test fetches from it over real sockets.
 *
 *   GET  /feeds/<file>        a committed fixture (test/fixtures/feeds), with ETag and
 *                             Last-Modified, answering conditional requests with 304
 *   GET  /dyn/<name>          a feed whose body a test sets (PUT /__feed/<name>);
 *                             `?etag=0` on the PUT makes it serve no validators
 *   PUT  /__feed/<name>       set the body of /dyn/<name> (Content-Type header is kept)
 *   GET  /__log               requests seen so far: [{path, inm, ims, status}]
 *   POST /__reset             forget the log and the dynamic feeds
 *
 * Extra routes (fault injection) can be added with `routes`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface LoggedRequest {
  path: string;
  inm: string | null;
  ims: string | null;
  status: number;
}

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface FixtureServer {
  server: Server;
  port: number;
  origin: string;
  log: LoggedRequest[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  xml: 'application/rss+xml',
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
  rdf: 'application/rdf+xml',
  html: 'text/html',
};

export const FIXTURE_LAST_MODIFIED = 'Tue, 05 Apr 2022 22:00:00 GMT';

function etagOf(body: Buffer | string): string {
  return `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFixtureServer(opts: { root: string; routes?: Route[]; port?: number }): Promise<FixtureServer> {
  const log: LoggedRequest[] = [];
  const dynamic = new Map<string, { body: Buffer; type: string; etag: boolean }>();

  const serve = (req: IncomingMessage, res: ServerResponse, body: Buffer, type: string, validators: boolean) => {
    const tag = etagOf(body);
    if (validators) {
      res.setHeader('ETag', tag);
      res.setHeader('Last-Modified', FIXTURE_LAST_MODIFIED);
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      if ((inm && inm === tag) || (!inm && ims && Date.parse(ims) >= Date.parse(FIXTURE_LAST_MODIFIED))) {
        res.statusCode = 304;
        res.end();
        return;
      }
    }
    res.setHeader('Content-Type', type);
    res.end(body);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture.local');
    const entry: LoggedRequest = {
      path: url.pathname + url.search,
      inm: (req.headers['if-none-match'] as string | undefined) ?? null,
      ims: (req.headers['if-modified-since'] as string | undefined) ?? null,
      status: 0,
    };
    const internal = url.pathname.startsWith('/__');
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    if (!internal) log.push(entry);
    try {
      if (url.pathname === '/__log') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(log));
        return;
      }
      if (url.pathname === '/__reset' && req.method === 'POST') {
        log.length = 0;
        dynamic.clear();
        res.end('ok');
        return;
      }
      if (url.pathname.startsWith('/__feed/') && req.method === 'PUT') {
        const name = url.pathname.slice('/__feed/'.length);
        dynamic.set(name, { body: await readBody(req), type: req.headers['content-type'] ?? 'application/rss+xml', etag: url.searchParams.get('etag') !== '0' });
        res.end('ok');
        return;
      }
      if (url.pathname.startsWith('/dyn/')) {
        const d = dynamic.get(url.pathname.slice('/dyn/'.length));
        if (!d) {
          res.statusCode = 404;
          res.end('no such dynamic feed');
          return;
        }
        serve(req, res, d.body, d.type, d.etag);
        return;
      }
      if (url.pathname.startsWith('/feeds/')) {
        const file = url.pathname.slice('/feeds/'.length);
        const path = join(opts.root, file);
        if (file.includes('..') || !existsSync(path)) {
          res.statusCode = 404;
          res.end('not found');
          return;
        }
        const ext = file.split('.').pop() ?? '';
        serve(req, res, readFileSync(path), TYPES[ext] ?? 'application/octet-stream', true);
        return;
      }
      for (const route of opts.routes ?? []) if (await route(req, res, url)) return;
      res.statusCode = 404;
      res.end('not found');
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  // A deep accept queue: Marquee opens several connections at once.
  await new Promise<void>((resolve) => server.listen({ port: opts.port ?? 0, host: '127.0.0.1', backlog: 511 }, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    log,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
