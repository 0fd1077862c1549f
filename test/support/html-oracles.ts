/**
 * Two independent judges of the sanitizer's output, shared by the fuzz suite
 * and the corpus check:
 *
 *  - parse5, a browser-grade HTML parser: the output must come back unchanged
 *    through `parse → serialize → sanitize` (mutation XSS lives in exactly the
 *    gap between how a sanitizer and a browser read the same string), and the
 *    tree parse5 builds from it must hold only allow-listed elements and
 *    attributes, with absolute http(s) URLs. The output is parsed in a
 *    `<div>` context, where the page puts it (the allow-list check and the
 *    fixed point), and in parseFragment's default `<template>` context (the
 *    fixed point).
 *  - js-xss (`xss`), a library sanitizer with its own tokenizer and its own
 *    URL rules: run over our output, it must have nothing to remove.
 */
import { defaultTreeAdapter, html as p5html, parseFragment, serialize, type DefaultTreeAdapterTypes } from 'parse5';
import { filterXSS, getDefaultWhiteList, safeAttrValue } from 'xss';
import { ALLOWED_TAGS, GLOBAL_ATTRS, IFRAME_HOSTS, TAG_ATTRS, URL_ATTRS, sanitizeHtml, type SanitizeOptions } from '../../src/normalize/html';

type Node = DefaultTreeAdapterTypes.ChildNode | DefaultTreeAdapterTypes.DocumentFragment;

/** Attributes the sanitizer writes by policy, beyond the allow-list it keeps from the input. */
export const ADDED_ATTRS: Record<string, string[]> = {
  a: ['rel'],
  img: ['loading'],
  iframe: ['sandbox', 'loading', 'referrerpolicy'],
  video: ['controls'],
  audio: ['controls'],
};

function attrAllowed(tag: string, name: string): boolean {
  return GLOBAL_ATTRS.has(name) || !!TAG_ATTRS[tag]?.has(name) || !!ADDED_ATTRS[tag]?.includes(name);
}

const DIV = defaultTreeAdapter.createElement('div', p5html.NS.HTML, []);

export function parseInDiv(s: string): DefaultTreeAdapterTypes.DocumentFragment {
  return parseFragment(DIV, s, {});
}

/** Why the tree parse5 builds from `out` holds something outside the allow-list, or null. */
export function treeViolation(out: string): string | null {
  const stack: Node[] = [parseInDiv(out)];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.nodeName === '#comment') return 'a comment node';
    if (!('tagName' in n)) {
      if ('childNodes' in n) stack.push(...n.childNodes);
      continue;
    }
    const tag = n.tagName;
    if (n.namespaceURI !== p5html.NS.HTML) return `<${tag}> in namespace ${n.namespaceURI}`;
    if (!ALLOWED_TAGS.has(tag)) return `element <${tag}> is not allow-listed`;
    for (const a of n.attrs) {
      if (a.prefix || a.namespace) return `namespaced attribute ${a.name} on <${tag}>`;
      if (!attrAllowed(tag, a.name)) return `attribute ${a.name} on <${tag}> is not allow-listed`;
      if (URL_ATTRS.has(a.name) && !/^(?:https?:\/\/|mailto:)/i.test(a.value)) return `${a.name}="${a.value}" on <${tag}> is not an absolute http(s) URL`;
      if (a.name === 'srcset' && a.value.split(',').some((c) => !/^\s*https?:\/\//i.test(c))) return `srcset="${a.value}" has a non-http(s) candidate`;
    }
    if (tag === 'iframe') {
      const src = n.attrs.find((a) => a.name === 'src')?.value ?? '';
      const host = /^https?:\/\/([^/:?#]+)/i.exec(src)?.[1]?.toLowerCase() ?? '';
      if (!IFRAME_HOSTS.some((h) => host === h || host.endsWith(`.${h}`))) return `iframe from ${host || 'nowhere'}`;
      if (!n.attrs.some((a) => a.name === 'sandbox')) return 'iframe without sandbox';
    }
    stack.push(...n.childNodes);
    if ('content' in n) stack.push(n.content as Node);
  }
  return null;
}

/**
 * The mutation-XSS check: sanitize, let a browser-grade parser read the result, serialize it and
 * sanitize again. The output must be a fixed point and its tree allow-listed. Returns why not.
 * `out` is sanitizeHtml(input, opts).html when the caller already has it.
 */
export function mxssViolation(input: string, opts: SanitizeOptions, out?: string): string | null {
  const a = out ?? sanitizeHtml(input, opts).html;
  const tree = treeViolation(a);
  if (tree) return `parse5 tree: ${tree}; output ${JSON.stringify(a).slice(0, 300)}`;
  // In a <div>, where the page puts it, and with parseFragment's default (<template>) context.
  for (const [where, tree] of [['in a <div>', parseInDiv(a)], ['in parseFragment\'s default context', parseFragment(a)]] as const) {
    const c = sanitizeHtml(serialize(tree), { ...opts, maxTextChars: undefined }).html;
    if (a !== c) return `not a fixed point ${where}:\n      sanitize(x)          = ${JSON.stringify(a).slice(0, 400)}\n      sanitize(parse5(..)) = ${JSON.stringify(c).slice(0, 400)}`;
  }
  return null;
}

/** Both judges on one input: the fixed point (also with a text budget that cuts it), and js-xss. */
export function sanitizerViolation(input: string, opts: SanitizeOptions): string | null {
  const out = sanitizeHtml(input, opts).html;
  const m = mxssViolation(input, opts, out);
  if (m) return m;
  // A text budget cuts the output and closes what is open: the cut output must be a fixed point too.
  const cut = mxssViolation(input, { ...opts, maxTextChars: 7 });
  if (cut) return `with maxTextChars 7: ${cut}`;
  const x = xssFindings(out);
  return x ? `js-xss finds: ${x}` : null;
}

// ---- js-xss ---------------------------------------------------------------------------------

/**
 * js-xss's own allow-list, widened by the harmless text-level tags and the attribute names of
 * ours it lacks (so that it judges values, not our choice of names). Its URL rules and its
 * tokenizer stay its own. An iframe is what it would remove anyway; ours are sandboxed embeds
 * from the allow-listed hosts (treeViolation checks that), so it is listed here too.
 */
function xssWhiteList(): Record<string, string[]> {
  const list = getDefaultWhiteList() as Record<string, string[]>;
  for (const tag of ALLOWED_TAGS) {
    const ours = [...GLOBAL_ATTRS, ...(TAG_ATTRS[tag] ?? []), ...(ADDED_ATTRS[tag] ?? [])];
    list[tag] = [...new Set([...(list[tag] ?? []), ...ours])];
  }
  return list;
}

const WHITE_LIST = xssWhiteList();
/** The attributes js-xss's safeAttrValue rules on (the rest it only re-escapes). */
const JUDGED = new Set(['href', 'src', 'action', 'formaction', 'background', 'style']);

/** What js-xss would remove from our output, or null when it finds nothing. */
export function xssFindings(out: string): string | null {
  const found: string[] = [];
  filterXSS(out, {
    whiteList: WHITE_LIST,
    onIgnoreTag(_tag, html) {
      found.push(`tag ${html.slice(0, 80)}`);
    },
    onIgnoreTagAttr(tag, name, value) {
      found.push(`attribute ${name}="${value.slice(0, 60)}" on <${tag}>`);
    },
    safeAttrValue(tag, name, value, css) {
      const safe = safeAttrValue(tag, name, value, css);
      // js-xss judges the URL attributes (and style): an unsafe value comes back empty.
      if (JUDGED.has(name) && value.trim() !== '' && safe === '') found.push(`${name}="${value.slice(0, 60)}" on <${tag}> judged unsafe`);
      return safe;
    },
  });
  return found.length ? found.join('; ') : null;
}
