import { describe, expect, it } from 'vitest';
import { sanitizeHtml } from '../../src/normalize/html';

const clean = (html: string, base = 'https://example.com/posts/1') => sanitizeHtml(html, { bases: [base] });

describe('sanitizeHtml', () => {
  it('drops scripts, styles, event handlers and javascript: URLs', () => {
    const r = clean('<p onclick="x()">Hi <script>alert(1)</script><style>p{}</style><a href="javascript:alert(1)">x</a> <a href="JaVaScRiPt:alert(1)">y</a></p>');
    expect(r.html).toBe('<p>Hi <a rel="noopener noreferrer">x</a> <a rel="noopener noreferrer">y</a></p>');
  });

  it('makes every URL absolute and keeps only http(s) images', () => {
    const r = clean('<a href="../2">next</a><img src="/i.jpg" alt="A"><img src="data:image/png;base64,AAA"><img src="vbscript:x">');
    expect(r.html).toBe('<a href="https://example.com/2" rel="noopener noreferrer">next</a><img src="https://example.com/i.jpg" alt="A" loading="lazy">');
    expect(r.images).toEqual([{ url: 'https://example.com/i.jpg', width: null, height: null }]);
  });

  it('removes tracking pixels and forms, keeps allowed video iframes sandboxed', () => {
    const r = clean('<img src="https://x.com/p.gif" width="1" height="1"><img src="https://feeds.feedburner.com/~r/x/~4/abc"><form><input name="q"><button>Go</button></form><iframe src="https://evil.com/x"></iframe><iframe src="https://www.youtube.com/embed/abc" width="560"></iframe>');
    expect(r.html).toBe('<iframe src="https://www.youtube.com/embed/abc" width="560" sandbox="allow-scripts allow-same-origin allow-popups allow-presentation" loading="lazy" referrerpolicy="strict-origin-when-cross-origin"></iframe>');
  });

  it('re-escapes text so decoded entities cannot reopen markup', () => {
    const r = clean('&lt;script&gt;alert(1)&lt;/script&gt; &amp; <b title="&quot;&gt;&lt;x">b</b>');
    expect(r.html).toBe('&lt;script&gt;alert(1)&lt;/script&gt; &amp; <b title="&quot;&gt;&lt;x">b</b>');
    expect(r.text).toBe('<script>alert(1)</script> & b');
  });

  it('takes lazy-loaded image URLs from data-src and closes tags it opened', () => {
    const r = clean('<div><p>one<img src="data:image/gif;base64,R0" data-src="/real.jpg">');
    expect(r.html).toBe('<div><p>one<img src="https://example.com/real.jpg" loading="lazy"></p></div>');
  });

  it('truncates long content at a tag boundary with an ellipsis', () => {
    const r = sanitizeHtml(`<p>${'word '.repeat(100)}</p><p>more</p>`, { bases: [], maxTextChars: 50 });
    expect(r.truncated).toBe(true);
    expect(r.html).toMatch(/^<p>(word ){5,}word…<\/p>$/);
  });
});
