/**
 * HTMLRewriter or our pure-JS sanitizer? Measured here, inside workerd, on the
 * same content: every summary and content fragment of the UTF-8 fixture feeds.
 *
 * The HTMLRewriter variant below applies the same allow-list (drop-with-content
 * elements removed, unknown elements unwrapped, attributes filtered, URLs
 * resolved or removed, beacon images dropped, iframes only from the video
 * hosts) and also produces the plain text, as normalize needs. What it cannot
 * do in one streaming pass is what the JS sanitizer also does: cut at a text
 * budget and close the open tags, and extract images in document order
 * before deciding on them; those are left out, which favours HTMLRewriter.
 *
 * The test checks that both outputs are safe on this content and prints the
 * timings (README, "HTMLRewriter vs pure JS"). It asserts no time: timings
 * depend on the machine and its load.
 */
/// <reference types="vite/client" />
import { decodeHTML } from 'entities';
import { describe, expect, it } from 'vitest';
import { IFRAME_HOSTS, isTrackingPixel, sanitizeHtml } from '../../src/normalize/html';
import { resolveUrl } from '../../src/normalize/url';
import { parseFeedText } from '../../src/parse/index';

const raw = import.meta.glob('../fixtures/feeds/*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
// The legacy-charset fixtures are not UTF-8, so ?raw cannot read them; they are left out.
const LEGACY = /kc0011|iso-8859|utf-16|windows-1252/;

interface Fragment {
  html: string;
  base: string;
}

function fragments(): Fragment[] {
  const out: Fragment[] = [];
  for (const [path, text] of Object.entries(raw)) {
    if (LEGACY.test(path)) continue;
    const { feed } = parseFeedText(text);
    const base = feed.link && /^https?:/.test(feed.link) ? feed.link : 'https://fixtures.test/';
    for (const it of feed.items) for (const html of [it.content, it.summary]) if (html) out.push({ html, base });
  }
  return out;
}

const DROP = ['script', 'style', 'template', 'object', 'embed', 'applet', 'frame', 'frameset', 'noembed', 'noframes', 'svg', 'math',
  'head', 'title', 'textarea', 'select', 'button', 'option', 'optgroup', 'datalist', 'xmp', 'plaintext', 'dialog', 'canvas', 'map',
  'portal', 'slot', 'meta', 'link', 'base', 'param', 'input', 'area', 'form'];
const ALLOWED = new Set(['a', 'abbr', 'acronym', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption',
  'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'details', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'footer', 'h1',
  'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'picture', 'pre', 'q', 'rp', 'rt',
  'ruby', 's', 'samp', 'section', 'small', 'source', 'span', 'strike', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td',
  'tfoot', 'th', 'thead', 'time', 'tr', 'tt', 'u', 'ul', 'var', 'wbr', 'video', 'audio', 'iframe']);
const ATTRS: Record<string, string[]> = {
  a: ['href'], img: ['src', 'alt', 'width', 'height', 'srcset'], iframe: ['src', 'width', 'height', 'allowfullscreen'],
  video: ['src', 'poster', 'controls', 'width', 'height'], audio: ['src', 'controls'], source: ['src', 'srcset', 'type', 'media'],
  td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'], ol: ['start', 'reversed', 'type'], li: ['value'], time: ['datetime'],
  q: ['cite'], blockquote: ['cite'], del: ['cite', 'datetime'], ins: ['cite', 'datetime'], details: ['open'],
};
const URL_ATTRS = new Set(['href', 'src', 'poster', 'cite']);

/** The same policy with HTMLRewriter (lol-html); see the module comment for what it leaves out. */
async function sanitizeWithRewriter(html: string, base: string): Promise<{ html: string; text: string }> {
  let text = '';
  const rewriter = new HTMLRewriter()
    .on(DROP.join(','), {
      element(el) {
        el.remove();
      },
    })
    .on('*', {
      element(el) {
        const tag = el.tagName;
        if (!ALLOWED.has(tag)) {
          el.removeAndKeepContent();
          return;
        }
        const keep = new Set(['title', 'lang', 'dir', ...(ATTRS[tag] ?? [])]);
        for (const [name, value] of [...el.attributes]) {
          if (!keep.has(name)) el.removeAttribute(name);
          else if (URL_ATTRS.has(name)) {
            const abs = resolveUrl(value, base);
            if (abs) el.setAttribute(name, abs);
            else el.removeAttribute(name);
          } else if (name === 'srcset' && /javascript:|data:/i.test(value)) el.removeAttribute(name);
        }
        if (tag === 'img') {
          const src = el.getAttribute('src');
          if (!src || isTrackingPixel(src, Number(el.getAttribute('width') ?? NaN) || null, Number(el.getAttribute('height') ?? NaN) || null)) el.remove();
        } else if (tag === 'iframe') {
          const src = el.getAttribute('src');
          let host = '';
          try {
            host = src ? new URL(src).hostname : '';
          } catch {
            // no usable src
          }
          if (!IFRAME_HOSTS.some((h) => host === h || host.endsWith(`.${h}`))) el.remove();
          else el.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-popups allow-presentation');
        } else if (tag === 'a') el.setAttribute('rel', 'noopener noreferrer');
      },
      comments(c) {
        c.remove();
      },
    })
    .onDocument({
      text(t) {
        text += t.text;
      },
    });
  const out = await rewriter.transform(new Response(html)).text();
  // Text chunks arrive undecoded; normalize needs them decoded and collapsed.
  return { html: out, text: decodeHTML(text).replace(/\s+/g, ' ').trim() };
}

const UNSAFE = /<script|<style|\son[a-z]+\s*=|javascript:/i;

describe('sanitizer choice, measured in workerd', () => {
  it('times HTMLRewriter and the pure-JS sanitizer on the same fixture content', async () => {
    const frags = fragments();
    const bytes = frags.reduce((n, f) => n + f.html.length, 0);
    expect(frags.length).toBeGreaterThan(50);

    // Both must be safe on this content before their speed means anything.
    for (const f of frags) {
      expect(sanitizeHtml(f.html, { base: f.base }).html).not.toMatch(UNSAFE);
      expect((await sanitizeWithRewriter(f.html, f.base)).html).not.toMatch(UNSAFE);
    }

    const ROUNDS = 30;
    const js: number[] = [];
    const rw: number[] = [];
    const rwOneDoc: number[] = [];
    const rwPerCall: number[] = [];
    const all = frags.map((f) => f.html).join('\n');
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      for (const f of frags) sanitizeHtml(f.html, { base: f.base, maxTextChars: 12_000, maxPlainChars: 6_000 });
      js.push(performance.now() - t);
      t = performance.now();
      for (const f of frags) await sanitizeWithRewriter(f.html, f.base);
      rw.push(performance.now() - t);
      // The same content as one document: HTMLRewriter's streaming speed without the per-call cost.
      t = performance.now();
      await sanitizeWithRewriter(all, 'https://fixtures.test/');
      rwOneDoc.push(performance.now() - t);
      // The fixed cost of one HTMLRewriter pass (a Response round trip per fragment).
      t = performance.now();
      for (let i = 0; i < 200; i++) await sanitizeWithRewriter('<p>x</p>', 'https://fixtures.test/');
      rwPerCall.push((performance.now() - t) / 200);
    }
    // workerd's clock ticks in whole milliseconds here, so the rounds are summed, not taken one by one.
    const median = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const mb = bytes / 1e6;
    const jsMs = median(js);
    const rwMs = median(rw);
    console.log(`sanitizer choice (workerd): ${frags.length} fragments, ${(mb * 1000).toFixed(0)} KB, mean of ${ROUNDS} rounds\n` +
      `  pure JS (tokenize.ts + html.ts)  ${jsMs.toFixed(1)} ms  ${(mb / (jsMs / 1000)).toFixed(1)} MB/s\n` +
      `  HTMLRewriter                     ${rwMs.toFixed(1)} ms  ${(mb / (rwMs / 1000)).toFixed(1)} MB/s  (${(rwMs / jsMs).toFixed(2)}x the JS time)\n` +
      `  HTMLRewriter, all as one document ${median(rwOneDoc).toFixed(1)} ms  ${(mb / (median(rwOneDoc) / 1000)).toFixed(1)} MB/s\n` +
      `  HTMLRewriter fixed cost per fragment: ${(median(rwPerCall) * 1000).toFixed(0)} µs`);
    expect(jsMs).toBeGreaterThan(0);
    expect(rwMs).toBeGreaterThan(0);
  }, 120_000);
});
