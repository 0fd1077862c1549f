/**
 * The sanitizer's allow-list written for HTMLRewriter (lol-html, native in
 * workerd), for bench/sanitizer.bench.ts: the contender the pure-JS sanitizer
 * was chosen over. It reads the real allow-list from src/normalize/html.ts
 * (tags, attributes, URL attributes, what is dropped with its content, iframe
 * hosts, tracking pixels), so it cannot drift from it.
 *
 * What it leaves out, because one streaming pass cannot do it: cutting at a
 * text budget while closing the open tags, deciding on images in document
 * order, and the tree placement of tree.ts (implied closes, table wrappers).
 * That favours HTMLRewriter in the comparison.
 */
import { decodeHTML } from 'entities';
import { ALLOWED_TAGS, DROP_WITH_CONTENT, GLOBAL_ATTRS, IFRAME_HOSTS, TAG_ATTRS, URL_ATTRS, isTrackingPixel } from '../src/normalize/html';
import { resolveUrl } from '../src/normalize/url';

/** Dropped with their content: the sanitizer's list, plus the void elements it never writes. */
const DROP = [...DROP_WITH_CONTENT].filter((t) => /^[a-z][a-z0-9-]*$/.test(t)).concat(['meta', 'link', 'base', 'param', 'input', 'area', 'form']);

export async function sanitizeWithRewriter(html: string, base: string): Promise<{ html: string; text: string }> {
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
        if (!ALLOWED_TAGS.has(tag)) {
          el.removeAndKeepContent();
          return;
        }
        const keep = new Set([...GLOBAL_ATTRS, ...(TAG_ATTRS[tag] ?? [])]);
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
          let host = '';
          try {
            host = new URL(el.getAttribute('src') ?? '').hostname;
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
