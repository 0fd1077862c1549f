/**
 * The HTTP contract over real sockets, through everything `wrangler dev` puts
 * in between (the workerd suite calls the Worker directly): HEAD, 304s,
 * Cache-Control, CORS and its preflight, content types. Uses Node's own HTTP
 * client so nothing is decompressed, cached or followed behind our back.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { origin } from './queries';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin()}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PATHS: Record<string, string> = {
  '/feed.json': 'application/feed+json; charset=utf-8',
  '/feed.xml': 'application/rss+xml; charset=utf-8',
  '/feed.atom': 'application/atom+xml; charset=utf-8',
  '/stories.json': 'application/json; charset=utf-8',
  '/': 'text/html; charset=utf-8',
  '/sources.opml': 'text/x-opml; charset=utf-8',
  '/feed.xml?category=news&limit=5': 'application/rss+xml; charset=utf-8',
};

describe('HTTP through wrangler dev', () => {
  it('serves GET and HEAD with the same headers, HEAD without a body', async () => {
    for (const [path, type] of Object.entries(PATHS)) {
      const get = await raw(path);
      const head = await raw(path, 'HEAD');
      expect(get.status, path).toBe(200);
      expect(get.headers['content-type'], path).toBe(type);
      expect(get.body.length).toBeGreaterThan(500);
      expect(head.status, path).toBe(200);
      expect(head.body.length, path).toBe(0);
      for (const h of ['content-type', 'etag', 'last-modified', 'cache-control', 'access-control-allow-origin', 'vary']) {
        expect(head.headers[h], `${path} ${h}`).toBe(get.headers[h]);
      }
    }
  });

  it('answers revalidations with 304 and no body, with caching headers', async () => {
    for (const path of Object.keys(PATHS)) {
      const get = await raw(path);
      const etag = String(get.headers.etag);
      expect(etag, path).toMatch(/^"m\d+\./);
      const byTag = await raw(path, 'GET', { 'If-None-Match': etag });
      expect(byTag.status, path).toBe(304);
      expect(byTag.body.length).toBe(0);
      expect(byTag.headers.etag).toBe(etag);
      expect(byTag.headers['cache-control']).toBe(get.headers['cache-control']);
      const byDate = await raw(path, 'GET', { 'If-Modified-Since': String(get.headers['last-modified']) });
      expect(byDate.status, path).toBe(304);
    }
    expect((await raw('/feed.json')).headers['cache-control']).toMatch(/^public, max-age=\d+, stale-while-revalidate=\d+/);
  });

  it('lets other sites fetch the feeds (CORS), but not the admin API', async () => {
    const pre = await raw('/feed.json', 'OPTIONS', { Origin: 'https://blog.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match' });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-headers']).toContain('If-None-Match');
    const get = await raw('/feed.json', 'GET', { Origin: 'https://blog.example' });
    expect(get.headers['access-control-allow-origin']).toBe('*');
    expect(get.headers['access-control-expose-headers']).toContain('ETag');
    const admin = await raw('/admin/sources', 'GET', { Origin: 'https://blog.example' });
    expect(admin.status).toBe(401);
    expect(admin.headers['access-control-allow-origin']).toBeUndefined();
    const adminPre = await raw('/admin/sources', 'OPTIONS', { Origin: 'https://blog.example', 'Access-Control-Request-Method': 'PUT' });
    expect(adminPre.headers['access-control-allow-origin']).toBeUndefined();
  });
});
