/**
 * Reading a JSON feed that was cut off in transit. `JSON.parse` refuses the
 * whole document; we keep the complete items it did send, the way the XML
 * reader keeps the complete `<item>`s of a truncated RSS document.
 *
 * The cut is made after the last value that closed at depth 2 or less (a
 * top-level member, or an element of a top-level array such as `items`), so
 * a half-sent item is dropped rather than stored with half its fields.
 */

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
