/**
 * What JSON.parse leaves to us: reading a JSON feed that was cut off in
 * transit, and the strings escapes made that are not text. `JSON.parse`
 * refuses a cut document whole; we keep the complete items it did send, the
 * way the XML reader keeps the complete `<item>`s of a truncated RSS document.
 *
 * The cut is made after the last value that closed at depth 2 or less (a
 * top-level member, or an element of a top-level array such as `items`), so
 * a half-sent item is dropped rather than stored with half its fields.
 */
import { safeText } from './charset';

/** The longest prefix of `text` that closes into valid JSON, or null when there is none. */
export function repairTruncatedJson(text: string): string | null {
  const stack: number[] = []; // '{' or '['
  let cut = -1;
  let cutStack: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) {
        inString = false;
        // A string that is a value (not a key) completing at a shallow depth is a safe cut.
        if (stack.length <= 2 && stack[stack.length - 1] === 91) {
          cut = i + 1;
          cutStack = stack.slice();
        }
      }
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) stack.push(c);
    else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
      if (stack.length <= 2) {
        cut = i + 1;
        cutStack = stack.slice();
      }
      if (!stack.length) return null; // the document closed: truncation is not its problem
    }
  }
  if (cut < 0 || !cutStack.length) return null;
  let out = text.slice(0, cut);
  for (let k = cutStack.length - 1; k >= 0; k--) out += cutStack[k] === 123 ? '}' : ']';
  return out;
}

/**
 * Every string of a parsed JSON document made safe text (charset.ts safeText), in place: a JSON
 * string escape can name an unpaired surrogate (`"\ud800"`) or a control character (`"\u0000"`),
 * which no XML parser and no `jq` accepts in what we serve. Walked with an explicit stack, so
 * any depth JSON.parse accepts is fine.
 */
export function cleanJsonStrings(value: unknown): unknown {
  if (typeof value === 'string') return safeText(value);
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const x = o[k];
      if (typeof x === 'string') o[k] = safeText(x);
      else if (x && typeof x === 'object') stack.push(x);
    }
  }
  return value;
}

