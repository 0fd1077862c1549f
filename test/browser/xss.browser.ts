/**
 * `npm run test:browser`: Marquee's sanitized HTML rendered in a real browser
 * (Debian's headless Chromium, driven by playwright-core; no browser is
 * downloaded), to check that none of the XSS vectors in xss-vectors.ts runs
 * script after sanitizing.
 *
 * Each vector is rendered in its own page, twice: sanitized directly
 * (sanitizeHtml, as normalize calls it) and after a trip through the whole
 * pipeline inside an RSS item (parse, then normalize: title, summary and
 * content). A vector counts as having run if the browser shows a dialog
 * (alert/confirm/prompt, from any frame), if the page's `__pwn` global is
 * set, or if anything requests a URL on evil.test. After load every element
 * gets mouseover, mouseenter, focus and click events, so handlers that need a
 * user would fire too. The DOM must then hold no event-handler attribute, no
 * `style`, no script/style/object/embed/form/base/meta/link/svg/math element,
 * no javascript:/vbscript:/data: URL, and only sandboxed iframes from the
 * video hosts Marquee allows.
 *
 * The same detectors are first run on a few raw (unsanitized) vectors, which
 * must trip them: a harness that cannot see script running proves nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IFRAME_HOSTS, sanitizeHtml } from '../../src/normalize/html';
import { normalizeFeed } from '../../src/normalize/index';
import { parseFeedBody } from '../../src/parse/index';
import { XSS_VECTORS } from './xss-vectors';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ORIGIN = 'http://reader.test';
const BASE = 'https://example.test/posts/1';

let context: BrowserContext;
let page: Page;
let profile: string;
let html = '';
const hits: string[] = [];

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'marquee-xss-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (d) => {
    hits.push(`dialog ${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  page.on('popup', (p) => hits.push(`popup ${p.url()}`));
  // Nothing leaves the browser: the reader page is served here, evil.test is recorded, the rest 404s.
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === `${ORIGIN}/entry`) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
    if (/evil\.test/.test(url)) hits.push(`request ${url}`);
    return route.fulfill({ status: 404, body: '' });
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
});

/** Render `body` in a reader-like page, poke every element, and report what ran and what the DOM holds. */
async function render(body: string): Promise<{ ran: string[]; dom: string[] }> {
  hits.length = 0;
  html = `<!doctype html><html><head><meta charset="utf-8"><title>entry</title></head><body><article id="entry">${body}</article></body></html>`;
  await page.goto(`${ORIGIN}/entry`, { waitUntil: 'load' });
  // These functions run in the page; the project's TypeScript has no DOM types, hence `any`.
  await page.evaluate(async () => {
    const doc = (globalThis as any).document;
    for (const el of Array.from(doc.querySelectorAll('#entry *')) as any[]) {
      for (const type of ['mouseover', 'mouseenter', 'focus']) el.dispatchEvent(new Event(type, { bubbles: true }));
      if (el.tagName !== 'A') el.click?.();
    }
    await new Promise((r) => setTimeout(r, 50));
  });
  const pwn = await page.evaluate(() => (globalThis as any).__pwn);
  if (pwn !== undefined) hits.push(`__pwn = ${String(pwn)}`);
  const dom = await page.evaluate((allowed: string[]) => {
    const doc = (globalThis as any).document;
    const problems: string[] = [];
    const banned = ['script', 'style', 'object', 'embed', 'applet', 'form', 'input', 'button', 'base', 'meta', 'link', 'svg', 'math', 'frame', 'frameset', 'portal', 'template', 'noscript', 'textarea', 'select'];
    for (const el of Array.from(doc.querySelectorAll('#entry *')) as any[]) {
      const tag = el.tagName.toLowerCase();
      if (banned.includes(tag)) problems.push(`<${tag}> element`);
      for (const attr of Array.from(el.attributes) as any[]) {
        const name = attr.name.toLowerCase();
        // eslint-disable-next-line no-control-regex -- browsers ignore these in a URL's scheme
        const value = attr.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
        if (name.startsWith('on')) problems.push(`<${tag} ${name}>`);
        if (name === 'style' || name === 'srcdoc' || name === 'formaction' || name === 'action') problems.push(`<${tag} ${name}>`);
        if (/^(javascript|vbscript|data):/.test(value)) problems.push(`<${tag} ${name}="${attr.value.slice(0, 40)}">`);
        if (name === 'srcset' && /javascript:|data:/.test(value)) problems.push(`<${tag} srcset>`);
      }
      if (tag === 'iframe') {
        const src: string = el.src;
        let host = '';
        try {
          host = new URL(src).hostname;
        } catch {
          // no usable src
        }
        if (!allowed.some((h) => host === h || host.endsWith(`.${h}`))) problems.push(`<iframe src="${src}">`);
        if (!el.hasAttribute('sandbox')) problems.push('<iframe> without sandbox');
      }
    }
    return problems;
  }, IFRAME_HOSTS);
  return { ran: [...hits], dom };
}

/** The vector inside an RSS item, in the title, description and content:encoded, through parse and normalize. */
function throughPipeline(vector: string): string {
  const cdata = vector.replace(/\]\]>/g, ']]]]><![CDATA[>');
  const escaped = vector.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const xml = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>` +
    `<title>t</title><link>https://example.test/</link><item><title>${escaped}</title><link>https://example.test/posts/1</link>` +
    `<description>${escaped}</description><content:encoded><![CDATA[${cdata}]]></content:encoded></item></channel></rss>`;
  const { feed } = parseFeedBody(new TextEncoder().encode(xml), 'application/rss+xml');
  const [entry] = normalizeFeed(feed, {
    source: { id: 'xss', url: 'https://example.test/feed', title: null, home_page_url: null, category: null },
    feedUrl: 'https://example.test/feed',
    now: new Date('2026-11-26T08:00:00Z'),
  });
  const text = entry.title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<h1>${text}</h1>${entry.summaryHtml ?? ''}${entry.contentHtml ?? ''}`;
}

describe('XSS vectors in headless Chromium', () => {
  it('has at least 100 distinct vectors', () => {
    expect(XSS_VECTORS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(XSS_VECTORS.map((x) => x.html)).size).toBe(XSS_VECTORS.length);
  });

  it('detects script running when the HTML is not sanitized (the harness can fail)', async () => {
    for (const raw of ['<img src=x onerror="alert(1)">', '<script>top.__pwn=1</script>', '<svg onload=alert(1)>', '<div onmouseover="alert(1)">x</div>', '<script src="//evil.test/x.js"></script>']) {
      const { ran, dom } = await render(raw);
      expect(ran.length + dom.length, raw).toBeGreaterThan(0);
      expect(ran.length, `nothing ran for ${raw}`).toBeGreaterThan(0);
    }
  }, 60_000);

  it.each(XSS_VECTORS.map((x) => [x.name, x.html]))('sanitized: %s', async (_name, vector) => {
    const clean = sanitizeHtml(vector, { bases: [BASE] }).html;
    const { ran, dom } = await render(clean);
    expect({ ran, dom, clean }).toEqual({ ran: [], dom: [], clean });
  }, 20_000);

  it.each(XSS_VECTORS.map((x) => [x.name, x.html]))('through parse + normalize: %s', async (_name, vector) => {
    const rendered = throughPipeline(vector);
    const { ran, dom } = await render(rendered);
    expect({ ran, dom, rendered }).toEqual({ ran: [], dom: [], rendered });
  }, 20_000);
});
