/**
 * How a field of Marquee's output is compared with another parser's expected
 * value. Each rule compares what we model and nothing else, and says so:
 *
 *  - text (titles, names, categories): whitespace collapsed; when the other
 *    parser's value is HTML (its type says so), its text is compared.
 *  - HTML (summaries, content): both sides are put in one canonical form:
 *    text decoded and whitespace collapsed; attributes sorted; attributes
 *    outside Marquee's allow-list dropped from the other side (we do not
 *    model `class`, `style`, `accesskey`...) and the ones our sanitizer adds
 *    by policy (`rel`, `loading`, `sandbox`, `referrerpolicy`) dropped from
 *    ours; URLs in the form WHATWG URL serializes them; tags that neither
 *    side treats specially (presentational ones like <font>) unwrapped on
 *    both sides; a lone wrapping <div> (RFC 4287 §3.1.1.3) unwrapped. Elements,
 *    their order, text and URLs must still match exactly.
 *  - URLs: compared after WHATWG URL serialization.
 *  - dates: the same instant, to the second.
 */
import { htmlToText, collapseWhitespace } from '../../src/normalize/text';
import { ALLOWED_TAGS, GLOBAL_ATTRS, TAG_ATTRS, URL_ATTRS } from '../../src/normalize/html';
import { tokenizeHtml } from '../../src/normalize/tokenize';

/**
 * Marquee's allow-list, as the sanitizer applies it (src/normalize/html.ts), minus `controls`:
 * the sanitizer adds it to every player, so a reference without it is no disagreement.
 */
const ALLOWED = ALLOWED_TAGS;
const KEPT_ATTRS: Record<string, string[]> = {
  '*': [...GLOBAL_ATTRS],
  ...Object.fromEntries(Object.entries(TAG_ATTRS).map(([tag, attrs]) => [tag, [...attrs].filter((a) => a !== 'controls')])),
};
const VOID = new Set(['br', 'hr', 'img', 'wbr', 'col', 'source', 'input', 'meta', 'link', 'area', 'base', 'embed', 'param', 'track']);

export function normUrl(u: string | null | undefined, base?: string | null): string | null {
  if (!u) return null;
  try {
    return new URL(u.trim(), base ?? undefined).href;
  } catch {
    return u.trim();
  }
}

/** Canonical form of an HTML fragment for comparison (see the module comment). */
export function canonicalHtml(html: string | null | undefined): string {
  if (!html) return '';
  const parts: string[] = [];
  let text = '';
  const flush = () => {
    const t = collapseWhitespace(text);
    if (t) parts.push(JSON.stringify(t));
    text = '';
  };
  tokenizeHtml(html, {
    text(t) {
      text += t;
    },
    startTag(name, attrs) {
      if (!ALLOWED.has(name)) return;
      flush();
      const keep = new Set([...(KEPT_ATTRS['*'] ?? []), ...(KEPT_ATTRS[name] ?? [])]);
      const kept = attrs
        .filter(([a]) => keep.has(a))
        .map(([a, v]) => [a, URL_ATTRS.has(a) ? (normUrl(v) ?? v) : v.trim()] as const)
        // An empty or unsafe URL attribute is one we drop; count it as absent on both sides.
        .filter(([a, v]) => !(URL_ATTRS.has(a) && (!v || !/^(https?|mailto):/i.test(v))))
        .sort((x, y) => (x[0] < y[0] ? -1 : 1));
      parts.push(`<${name}${kept.map(([a, v]) => ` ${a}=${JSON.stringify(v)}`).join('')}${VOID.has(name) ? '/' : ''}>`);
    },
    endTag(name) {
      if (!ALLOWED.has(name) || VOID.has(name)) return;
      flush();
      parts.push(`</${name}>`);
    },
  });
  flush();
  // Drop empty element pairs (<p></p>): an empty element is not content either side models.
  let s = parts.join('');
  let prev = '';
  while (s !== prev) {
    prev = s;
    s = s.replace(/<([a-z0-9]+)(?: [^<>]*)?><\/\1>/g, '');
  }
  // A lone wrapping div (Atom xhtml content, RFC 4287 §3.1.1.3) is not content.
  const m = /^<div>([\s\S]*)<\/div>$/.exec(s);
  if (m && !/<\/div>[\s\S]*<div[ >]/.test(m[1])) s = m[1];
  return s;
}

export function sameHtml(ours: string | null | undefined, expected: string | null | undefined): boolean {
  return canonicalHtml(ours) === canonicalHtml(expected);
}

/** Text of a value whose type is known: HTML types give their text, plain text is taken as is. */
export function expectedText(value: string | null | undefined, type: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (type && /html|xhtml|xml/.test(type)) return htmlToText(value);
  return collapseWhitespace(value);
}

/**
 * Text equality when the other parser did not record whether a value is text or HTML
 * (RSS titles may be either): either reading of its value may match.
 */
export function sameTextEitherWay(ours: string | null | undefined, expected: string | null | undefined): boolean {
  const o = collapseWhitespace(ours ?? '');
  if (o === collapseWhitespace(expected ?? '')) return true;
  return o === htmlToText(expected ?? '');
}

export function sameInstant(ours: string | null | undefined, expected: string | null | undefined): boolean {
  if (!ours || !expected) return !ours && !expected;
  const a = Date.parse(ours);
  const b = Date.parse(expected);
  return Number.isFinite(a) && Number.isFinite(b) && Math.floor(a / 1000) === Math.floor(b / 1000);
}

/** Python time.struct_time of a UTC instant: (Y, M, D, h, m, s, weekday Mon=0, yearday, isdst=0). */
export function structTime(iso: string): number[] {
  const d = new Date(iso);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  const yday = Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - start) / 86_400_000) + 1;
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), (d.getUTCDay() + 6) % 7, yday, 0];
}

/** The first `n` characters of a fragment's text, for comparing long content whose length we cap. */
export function textHead(html: string | null | undefined, n = 300): string {
  return htmlToText(html ?? '').slice(0, n);
}
