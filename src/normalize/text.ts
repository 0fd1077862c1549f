/**
 * Plain text from markup: titles and summaries arrive as HTML fragments
 * (adapt.ts escapes the plain-text ones), so turning them into text is one
 * rule everywhere: drop tags, decode entities exactly once, collapse
 * whitespace. tokenize.ts does the tokenizing, so `a < b` and `x <3` stay text.
 */
import { tokenizeHtml } from './tokenize';

const SKIP_TEXT_IN = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'svg', 'math']);
const BLOCK = new Set(['p', 'div', 'br', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'hr', 'figure', 'figcaption', 'dt', 'dd', 'table', 'section', 'article']);

/**
 * Runs of whitespace (JS \s covers U+00A0, U+FEFF and the Unicode spaces; U+200B is added)
 * become one space. Single plain spaces, most of any text, are not matched at all, which
 * makes this about three times faster than replacing every run.
 */
export function collapseWhitespace(s: string): string {
  return s.replace(/(?:[^\S ]|\u200b)[\s\u200b]*| [\s\u200b]+/g, ' ').trim();
}

/**
 * Mojibake: UTF-8 text that was decoded as windows-1252 somewhere upstream and encoded again,
 * so "’" arrives as "â€™" and "é" as "Ã©". Only runs that are exactly the windows-1252 reading
 * of one valid UTF-8 sequence with lead byte C2, C3 (Latin-1 letters, no-break space) or E2
 * (punctuation: quotes, dashes, ellipsis, €, ™) are repaired; such runs do not occur in real
 * text, so nothing else is touched.
 */
const CP1252_HIGH = '\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178';
const MOJIBAKE = new RegExp(`[\u00c2\u00c3][\u0080-\u00bf${CP1252_HIGH}]|\u00e2[\u0080-\u00bf${CP1252_HIGH}]{2}`, 'g');
const BYTE_OF = new Map<string, number>();
for (let b = 0x80; b <= 0xbf; b++) BYTE_OF.set(String.fromCharCode(b), b);
// windows-1252 0x80-0x9F (WHATWG index-windows-1252), for the characters above
[0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178]
  .forEach((cp, i) => cp && BYTE_OF.set(String.fromCharCode(cp), 0x80 + i));
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function repairMojibake(s: string): string {
  if (!/[\u00c2\u00c3\u00e2]/.test(s)) return s;
  const once = s.replace(MOJIBAKE, decodeRun);
  // A repaired character can complete a run with what precedes it ("Â" + "Â©"): then reduce
  // the whole string, in one linear pass, so that repairing twice changes nothing.
  return once !== s && MOJIBAKE_ONE.test(once) ? reduceMojibake(s) : once;
}

const MOJIBAKE_ONE = new RegExp(MOJIBAKE.source);

function decodeRun(run: string): string {
  const bytes = [run.charCodeAt(0)];
  for (let i = 1; i < run.length; i++) bytes.push(BYTE_OF.get(run[i]) ?? -1);
  if (bytes.includes(-1)) return run;
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return run;
  }
}

/** Push characters on a stack and repair a run as soon as its last character is pushed. */
function reduceMojibake(s: string): string {
  const out: string[] = [];
  for (const ch of s) {
    out.push(ch);
    for (;;) {
      const n = out.length;
      const two = n >= 2 ? out[n - 2] + out[n - 1] : '';
      const three = n >= 3 ? out[n - 3] + two : '';
      const run = three && /^\u00e2/.test(three) && MOJIBAKE_WHOLE.test(three) ? three : two && MOJIBAKE_WHOLE.test(two) ? two : '';
      if (!run) break;
      out.length = n - run.length;
      out.push(decodeRun(run));
    }
  }
  return out.join('');
}

const MOJIBAKE_WHOLE = new RegExp(`^(?:${MOJIBAKE.source})$`);

/** Text content of an HTML fragment, whitespace collapsed; block boundaries become spaces. */
export function htmlToText(html: string | null | undefined, maxChars = Infinity): string {
  if (!html) return '';
  // Fast path: nothing to parse.
  if (!/[<&]/.test(html)) return truncate(collapseWhitespace(repairMojibake(html)), maxChars);
  let out = '';
  let skip = 0;
  tokenizeHtml(html, {
    text(t) {
      if (!skip) out += t;
      return out.length <= maxChars * 2;
    },
    startTag(name, _attrs, selfClosing) {
      if (SKIP_TEXT_IN.has(name)) {
        if (!(selfClosing && (name === 'svg' || name === 'math'))) skip++;
      } else if (BLOCK.has(name)) out += ' ';
    },
    endTag(name) {
      if (SKIP_TEXT_IN.has(name)) skip = Math.max(0, skip - 1);
      else if (BLOCK.has(name)) out += ' ';
    },
  });
  return truncate(collapseWhitespace(repairMojibake(out)), maxChars);
}

/** Cut at a word boundary and add an ellipsis when longer than `max` (never inside a surrogate pair). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  if (/[\ud800-\udbff]/.test(s.charAt(end - 1))) end--;
  const cut = s.slice(0, end);
  const sp = cut.lastIndexOf(' ');
  return `${(sp > max * 0.6 ? cut.slice(0, sp) : cut).trimEnd()}…`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
