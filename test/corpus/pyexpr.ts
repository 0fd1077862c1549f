/**
 * The Python expressions of Python feedparser's test cases (`Expect:` lines),
 * parsed and evaluated against a view of Marquee's output.
 *
 * Only the subset the cases use: names, attribute access, subscripts, calls
 * (`len`, `ord`, `str`, `.get`, `.has_key`, `locals()`), string literals with
 * Python escapes (including u''/b''/r'' prefixes and triple quotes), numbers,
 * None/True/False, tuples, lists, dicts, `==`/`!=` (chained), `is`, `in`,
 * `and`/`or`/`not`. Anything else is a SyntaxError and the case is reported
 * as unreadable, never silently passed.
 */

export type Py = string | number | boolean | null | Py[] | PyDict | PyObject;
export type PyDict = { [k: string]: Py };

/** A value with its own Python semantics (the view objects, encodings compared by decoding). */
export interface PyObject {
  __py: true;
  get(key: string): Py; // throws KeyError / NotModeled
  has(key: string): boolean;
  eq?(other: Py): boolean;
  truthy?(): boolean;
  len?(): number;
  /** The value as a Python str, for ord() and str(). */
  str?(): string;
}

export class KeyError extends Error {}
export class NotModeled extends Error {
  constructor(readonly field: string) {
    super(`not modeled: ${field}`);
  }
}

type Node =
  | { t: 'lit'; v: Py }
  | { t: 'name'; name: string }
  | { t: 'tuple'; items: Node[] }
  | { t: 'list'; items: Node[] }
  | { t: 'dict'; items: Array<[Node, Node]> }
  | { t: 'index'; obj: Node; key: Node }
  | { t: 'attr'; obj: Node; name: string }
  | { t: 'call'; fn: Node; args: Node[] }
  | { t: 'not'; x: Node }
  | { t: 'neg'; x: Node }
  | { t: 'and' | 'or'; xs: Node[] }
  | { t: 'cmp'; first: Node; ops: string[]; rest: Node[] };

type Tok = { k: 'op' | 'name' | 'str' | 'num'; v: string };

function unescapePython(body: string, raw: boolean): string {
  if (raw) return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]+\}|[0-7]{1,3}|[\s\S])/g, (_, e: string) => {
    switch (e[0]) {
      case 'x':
      case 'u':
      case 'U':
        return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        return String.fromCharCode(Number.parseInt(e, 8));
      case '\n': return '';
      case 'a': return '\x07';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'v': return '\v';
      default: return e; // \\ \' \" and unknown escapes
    }
  });
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const str = /^([uUbBrR]{0,2})('''|"""|'|")/.exec(src.slice(i));
    if (str && (str[1] === '' || /[uUbBrR]/.test(c))) {
      const prefix = str[1].toLowerCase();
      const q = str[2];
      let j = i + str[0].length;
      let body = '';
      for (;;) {
        if (j >= src.length) throw new SyntaxError('unterminated string');
        if (src[j] === '\\' && !prefix.includes('r')) {
          body += src.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (src.startsWith(q, j)) break;
        body += src[j++];
      }
      toks.push({ k: 'str', v: unescapePython(body, prefix.includes('r')) });
      i = j + q.length;
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      toks.push({ k: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_]\w*/.exec(src.slice(i));
    if (name) {
      toks.push({ k: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|[()[\]{},:.<>-])/.exec(src.slice(i));
    if (op) {
      toks.push({ k: 'op', v: op[0] });
      i += op[0].length;
      continue;
    }
    throw new SyntaxError(`unexpected ${c}`);
  }
  return toks;
}

export function parsePy(src: string): Node {
  const toks = tokenize(src);
  let p = 0;
  const peek = (v?: string) => (v === undefined ? toks[p] : toks[p] && toks[p].v === v && (toks[p].k === 'op' || toks[p].k === 'name') ? toks[p] : undefined);
  const eat = (v: string) => {
    if (!peek(v)) throw new SyntaxError(`expected ${v} at ${toks[p]?.v ?? 'end'}`);
    p++;
  };
  const or = (): Node => {
    const xs = [and()];
    while (peek('or')) {
      p++;
      xs.push(and());
    }
    return xs.length === 1 ? xs[0] : { t: 'or', xs };
  };
  const and = (): Node => {
    const xs = [not()];
    while (peek('and')) {
      p++;
      xs.push(not());
    }
    return xs.length === 1 ? xs[0] : { t: 'and', xs };
  };
  const not = (): Node => {
    if (peek('not')) {
      p++;
      return { t: 'not', x: not() };
    }
    return cmp();
  };
  const cmp = (): Node => {
    const first = unary();
    const ops: string[] = [];
    const rest: Node[] = [];
    for (;;) {
      const t = toks[p];
      if (!t) break;
      if (t.k === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
        p++;
        ops.push(t.v);
      } else if (t.k === 'name' && t.v === 'is') {
        p++;
        if (peek('not')) {
          p++;
          ops.push('is not');
        } else ops.push('is');
      } else if (t.k === 'name' && t.v === 'in') {
        p++;
        ops.push('in');
      } else if (t.k === 'name' && t.v === 'not' && toks[p + 1]?.v === 'in') {
        p += 2;
        ops.push('not in');
      } else break;
      rest.push(unary());
    }
    return ops.length ? { t: 'cmp', first, ops, rest } : first;
  };
  const unary = (): Node => {
    if (peek('-')) {
      p++;
      return { t: 'neg', x: unary() };
    }
    return postfix();
  };
  const postfix = (): Node => {
    let n = atom();
    for (;;) {
      if (peek('[')) {
        p++;
        const key = or();
        eat(']');
        n = { t: 'index', obj: n, key };
      } else if (peek('.')) {
        p++;
        const t = toks[p++];
        if (!t || t.k !== 'name') throw new SyntaxError('attribute name');
        n = { t: 'attr', obj: n, name: t.v };
      } else if (peek('(')) {
        p++;
        const args: Node[] = [];
        while (!peek(')')) {
          args.push(or());
          if (peek(',')) p++;
          else break;
        }
        eat(')');
        n = { t: 'call', fn: n, args };
      } else return n;
    }
  };
  const seq = (close: string): { items: Node[]; trailingComma: boolean } => {
    const items: Node[] = [];
    let trailingComma = false;
    while (!peek(close)) {
      items.push(or());
      trailingComma = false;
      if (peek(',')) {
        p++;
        trailingComma = true;
      } else break;
    }
    eat(close);
    return { items, trailingComma };
  };
  const atom = (): Node => {
    const t = toks[p++];
    if (!t) throw new SyntaxError('unexpected end');
    if (t.k === 'str') {
      // Adjacent literals concatenate.
      let v = t.v;
      while (toks[p]?.k === 'str') v += toks[p++].v;
      return { t: 'lit', v };
    }
    if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
    if (t.k === 'name') {
      if (t.v === 'None') return { t: 'lit', v: null };
      if (t.v === 'True') return { t: 'lit', v: true };
      if (t.v === 'False') return { t: 'lit', v: false };
      return { t: 'name', name: t.v };
    }
    if (t.v === '(') {
      const { items, trailingComma } = seq(')');
      return items.length === 1 && !trailingComma ? items[0] : { t: 'tuple', items };
    }
    if (t.v === '[') return { t: 'list', items: seq(']').items };
    if (t.v === '{') {
      const items: Array<[Node, Node]> = [];
      while (!peek('}')) {
        const k = or();
        eat(':');
        items.push([k, or()]);
        if (peek(',')) p++;
        else break;
      }
      eat('}');
      return { t: 'dict', items };
    }
    throw new SyntaxError(`unexpected ${t.v}`);
  };
  const node = or();
  if (p !== toks.length) throw new SyntaxError(`trailing ${toks[p].v}`);
  return node;
}

/** The top-level `and` chain of an expression (a single node when there is none). */
export function conjuncts(n: Node): Node[] {
  return n.t === 'and' ? n.xs : [n];
}

/** Whether a node is `bozo` or `not bozo` (feedparser's well-formedness flag). */
export function isBozoTest(n: Node): boolean {
  return (n.t === 'name' && n.name === 'bozo') || (n.t === 'not' && n.x.t === 'name' && n.x.name === 'bozo');
}

const isObj = (v: Py): v is PyObject => typeof v === 'object' && v !== null && !Array.isArray(v) && (v as PyObject).__py === true;
const isDict = (v: Py): v is PyDict => typeof v === 'object' && v !== null && !Array.isArray(v) && !isObj(v);

export function truthy(v: Py): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return v.truthy ? v.truthy() : true;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

export function pyEq(a: Py, b: Py): boolean {
  // Two view values (entries[0]['title'] == entries[1]['title']) compare as the strings they stand for.
  if (isObj(b) && b.str && isObj(a) && a.eq) return a.eq(b.str());
  if (isObj(a) && a.eq) return a.eq(b);
  if (isObj(b) && b.eq) return b.eq(a);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEq(a[k], b[k]));
  }
  if (isObj(a) && isDict(b)) return Object.keys(b).every((k) => a.has(k) && pyEq(a.get(k), b[k]));
  if (isObj(b) && isDict(a)) return pyEq(b, a);
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b);
  return a === b;
}

function index(obj: Py, key: Py): Py {
  if (isObj(obj)) {
    if (typeof key !== 'string') throw new KeyError(String(key));
    return obj.get(key);
  }
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof key !== 'number') throw new TypeError('index');
    const i = key < 0 ? obj.length + key : key;
    if (i < 0 || i >= obj.length) throw new KeyError(`index ${key}`);
    return obj[i];
  }
  if (isDict(obj)) {
    if (typeof key !== 'string' || !(key in obj)) throw new KeyError(String(key));
    return obj[key];
  }
  throw new TypeError('not subscriptable');
}

function contains(container: Py, item: Py): boolean {
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (Array.isArray(container)) return container.some((x) => pyEq(x, item));
  if (isObj(container)) return typeof item === 'string' && container.has(item);
  if (isDict(container)) return typeof item === 'string' && item in container;
  throw new TypeError('not a container');
}

type Env = Record<string, Py>;

export function evalPy(n: Node, env: Env): Py {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'name':
      if (n.name in env) return env[n.name];
      throw new NotModeled(n.name);
    case 'tuple':
    case 'list':
      return n.items.map((x) => evalPy(x, env));
    case 'dict': {
      const d: PyDict = {};
      for (const [k, v] of n.items) d[String(evalPy(k, env))] = evalPy(v, env);
      return d;
    }
    case 'index':
      return index(evalPy(n.obj, env), evalPy(n.key, env));
    case 'attr': {
      const o = evalPy(n.obj, env);
      // FeedParserDict reads attributes as keys.
      return index(o, n.name);
    }
    case 'call':
      return call(n, env);
    case 'not':
      return !truthy(evalPy(n.x, env));
    case 'neg':
      return -(evalPy(n.x, env) as number);
    case 'and': {
      let v: Py = true;
      for (const x of n.xs) {
        v = evalPy(x, env);
        if (!truthy(v)) return v;
      }
      return v;
    }
    case 'or': {
      let v: Py = false;
      for (const x of n.xs) {
        v = evalPy(x, env);
        if (truthy(v)) return v;
      }
      return v;
    }
    case 'cmp': {
      let left = evalPy(n.first, env);
      for (let i = 0; i < n.ops.length; i++) {
        const right = evalPy(n.rest[i], env);
        const op = n.ops[i];
        let ok: boolean;
        if (op === '==') ok = pyEq(left, right);
        else if (op === '!=') ok = !pyEq(left, right);
        else if (op === 'is') ok = left === right || (left === null && right === null);
        else if (op === 'is not') ok = !(left === right);
        else if (op === 'in') ok = contains(right, left);
        else if (op === 'not in') ok = !contains(right, left);
        else if (op === '<') ok = (left as number) < (right as number);
        else if (op === '>') ok = (left as number) > (right as number);
        else if (op === '<=') ok = (left as number) <= (right as number);
        else ok = (left as number) >= (right as number);
        if (!ok) return false;
        left = right;
      }
      return true;
    }
  }
}

function call(n: Extract<Node, { t: 'call' }>, env: Env): Py {
  const args = n.args.map((a) => evalPy(a, env));
  if (n.fn.t === 'name') {
    switch (n.fn.name) {
      case 'len': {
        const v = args[0];
        if (typeof v === 'string' || Array.isArray(v)) return v.length;
        if (isObj(v) && v.len) return v.len();
        if (isDict(v)) return Object.keys(v).length;
        throw new TypeError('len');
      }
      case 'ord':
      case 'str': {
        const v = args[0];
        const s = isObj(v) && v.str ? v.str() : String(v);
        return n.fn.name === 'str' ? s : s.length === [...s].length && s.length === 1 ? s.codePointAt(0)! : (() => { throw new TypeError('ord() expects one character'); })();
      }
      case 'locals':
        // Which top-level names exist (etag, modified...) is about HTTP, which we don't model.
        throw new NotModeled('locals()');
      default:
        throw new NotModeled(`${n.fn.name}()`);
    }
  }
  if (n.fn.t === 'attr') {
    const obj = evalPy(n.fn.obj, env);
    if (n.fn.name === 'get' || n.fn.name === 'has_key') {
      const key = args[0] as string;
      let has: boolean;
      if (isObj(obj)) has = obj.has(key);
      else if (isDict(obj)) has = key in obj;
      else throw new TypeError('get on a non-dict');
      if (n.fn.name === 'has_key') return has;
      return has ? index(obj, key) : (args[1] ?? null);
    }
  }
  throw new NotModeled('call');
}
