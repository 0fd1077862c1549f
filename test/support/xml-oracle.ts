/**
 * `readXml` next to saxes, a conforming (strict, namespace-aware) XML parser.
 * For a document saxes accepts, both trees must agree: element local names
 * (lowercased, as ours are), children in order, each element's direct text
 * (ours drops whitespace-only text between elements, so the same is dropped
 * from saxes's; CDATA is kept on both sides), attributes by local name and
 * value, and `wellFormed` must be true. saxes reads no DTD: the flat internal
 * entities of the subset are declared to it here (a test-side reading of
 * `<!ENTITY name "value">`, with character references in the value expanded
 * at declaration, XML 1.0 §4.5); a document using any other entity is not
 * accepted and so not compared.
 *
 * Text is compared with runs of whitespace collapsed: ours drops whitespace-only
 * text between elements as written, saxes reports it decoded (`&#32;`), and no
 * field is read with its whitespace as is. DIFF (xml.ts decodeXmlEntities): a
 * reference to a C1 control (`&#146;`) is read as the windows-1252 character of
 * that byte (’), as HTML does; saxes gives the control, so its text is mapped
 * the same way before comparing.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { c1ToWindows1252 } from '../../src/parse/charset';
import { readXml, type XmlElement } from '../../src/parse/xml';

interface Node {
  name: string;
  attrs: string[];
  text: string;
  children: Node[];
}

const FLAT_ENTITY = /<!ENTITY\s+([^\s%]+)\s+(?:"([^"]*)"|'([^']*)')\s*>/g;

function declaredEntities(doctype: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of doctype.matchAll(FLAT_ENTITY)) {
    const value = (m[2] ?? m[3]).replace(/&#x([0-9a-f]+);|&#([0-9]+);/gi, (_, h: string, d: string) => String.fromCodePoint(h ? parseInt(h, 16) : Number(d)));
    if (!/[&<%]/.test(value) && value.length <= 1024) out[m[1]] = value;
  }
  return out;
}

const isBlank = (s: string) => /^[ \t\n\r]*$/.test(s);

/** saxes's tree of `text`, or null when saxes finds it not well-formed (or it uses an entity it cannot know). */
export function saxesTree(text: string): Node | null {
  const parser = new SaxesParser({ xmlns: true });
  const stack: Node[] = [];
  let root: Node | null = null;
  let failed = false;
  parser.on('error', () => {
    failed = true;
  });
  parser.on('doctype', (d) => {
    Object.assign(parser.ENTITIES, declaredEntities(d));
  });
  parser.on('opentag', (t: SaxesTagNS) => {
    const node: Node = {
      name: t.local.toLowerCase(),
      attrs: Object.values(t.attributes).map((a) => `${(a.prefix === 'xmlns' || a.name === 'xmlns' ? a.name : a.local).toLowerCase()}=${a.value}`).sort(),
      text: '',
      children: [],
    };
    if (stack.length) stack[stack.length - 1].children.push(node);
    else root = node;
    stack.push(node);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('text', (s) => {
    if (stack.length && !isBlank(s)) stack[stack.length - 1].text += s;
  });
  parser.on('cdata', (s) => {
    if (stack.length) stack[stack.length - 1].text += s;
  });
  try {
    parser.write(text).close();
  } catch {
    return null;
  }
  return failed ? null : root;
}

function local(key: string): string {
  return key.startsWith('xmlns:') || key === 'xmlns' ? key : key.slice(key.indexOf(':') + 1);
}

function ourNode(el: XmlElement): Node {
  return {
    name: local(el.name),
    attrs: Object.entries(el.attrs).map(([k, v]) => `${local(k)}=${v}`).sort(),
    text: el.text,
    children: el.children.map(ourNode),
  };
}

const collapse = (s: string) => s.replace(/[ \t\n\r]+/g, ' ').trim();

function firstDifference(a: Node, b: Node, path: string): string | null {
  const at = `${path}/${b.name}`;
  if (a.name !== b.name) return `${path}: element <${a.name}>, saxes <${b.name}>`;
  const theirAttrs = b.attrs.map(c1ToWindows1252);
  if (a.attrs.join('\n') !== theirAttrs.join('\n')) return `${at}: attributes ${JSON.stringify(a.attrs)}, saxes ${JSON.stringify(theirAttrs)}`;
  if (collapse(a.text) !== collapse(c1ToWindows1252(b.text))) return `${at}: text ${JSON.stringify(a.text)}, saxes ${JSON.stringify(b.text)}`;
  if (a.children.length !== b.children.length) return `${at}: ${a.children.length} children, saxes ${b.children.length}`;
  for (let i = 0; i < a.children.length; i++) {
    const d = firstDifference(a.children[i], b.children[i], at);
    if (d) return d;
  }
  return null;
}

/** 'skipped' when saxes does not accept the document; else null when both agree, or the first difference. */
export function xmlDisagreement(text: string): string | null | 'skipped' {
  const theirs = saxesTree(text);
  if (!theirs) return 'skipped';
  const doc = readXml(text);
  if (!doc.root) return 'readXml found no root';
  if (!doc.wellFormed) return 'readXml calls a document saxes accepts not well-formed';
  return firstDifference(ourNode(doc.root), theirs, '');
}
