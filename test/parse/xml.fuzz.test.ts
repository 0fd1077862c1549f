/**
 * The XML reader proven two ways (the corpus half is in
 * test/corpus/differential.test.ts, `npm run test:corpus`):
 *
 *  - against saxes (test/support/xml-oracle.ts) on generated well-formed
 *    feed documents: namespaces, entities, CDATA, comments, PIs;
 *  - on the same documents cut, flipped and spliced (test/support/fuzz.ts
 *    mutate): parsing never throws anything but a coded FeedError, its work is
 *    linear in the input (counted in string-primitive steps, not timed), and
 *    the tree it builds holds a small multiple of the input's characters.
 */
import { describe, expect, it } from 'vitest';
import { FeedError } from '../../src/errors';
import { parseFeedText } from '../../src/parse/index';
import { MAX_XML_DEPTH, readXml, type XmlDocument, type XmlElement } from '../../src/parse/xml';
import { FUZZ_SCALE, FUZZ_TIMEOUT, Rng, countSteps, fuzz, genXml, mutate, seedFor } from '../support/fuzz';
import { xmlDisagreement } from '../support/xml-oracle';

/** Characters the tree holds (names, attributes, text) and its element count. */
function treeSize(doc: XmlDocument): { chars: number; elements: number } {
  let chars = 0;
  let elements = 0;
  const stack: XmlElement[] = doc.root ? [doc.root] : [];
  while (stack.length) {
    const el = stack.pop()!;
    elements++;
    chars += el.name.length + el.text.length;
    for (const [k, v] of Object.entries(el.attrs)) chars += k.length + v.length;
    stack.push(...el.children);
  }
  return { chars, elements };
}

/** Steps allowed per input character, and the fixed part (short inputs). */
const STEPS_PER_CHAR = 40;
const STEPS_FIXED = 2_000;

/** Why parsing `text` broke a rule: threw something uncoded, worked super-linearly, or grew too big. */
function robustness(text: string): string | null {
  const { result: doc, steps } = countSteps(() => readXml(text));
  if (steps > STEPS_PER_CHAR * text.length + STEPS_FIXED) return `readXml took ${steps} steps for ${text.length} characters`;
  const { chars, elements } = treeSize(doc);
  // Names, attributes and text come from the input once each, plus flat entities within 8× its size.
  if (chars > 10 * text.length + 64) return `tree holds ${chars} characters for ${text.length} of input`;
  if (elements > text.length / 3 + 1) return `${elements} elements for ${text.length} characters`;
  try {
    parseFeedText(text);
  } catch (err) {
    if (!(err instanceof FeedError)) return `parseFeedText threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`;
  }
  return null;
}

describe('readXml agrees with saxes on well-formed documents', () => {
  it('the comparison can fail', () => {
    // saxes expands the one-letter entity; a reader that does not would differ on the title.
    expect(xmlDisagreement('<!DOCTYPE r [<!ENTITY a "Hello">]><r><t>&a;</t></r>')).toBeNull();
    expect(xmlDisagreement('<r><t>x</t><u/></r>')).toBeNull();
    expect(xmlDisagreement('<r><t>&undeclared;</t></r>')).toBe('skipped');
  });

  it(`on ${3000 * FUZZ_SCALE} generated feed documents`, () => {
    let compared = 0;
    const { ran, failures } = fuzz(3000 * FUZZ_SCALE, seedFor('xml'), genXml, (text) => {
      const d = xmlDisagreement(text);
      if (d === 'skipped') return null;
      compared++;
      return d;
    });
    console.log(`readXml vs saxes: ${ran} generated documents, ${compared} well-formed and compared, ${failures.length} failures`);
    expect(failures).toEqual([]);
    expect(compared).toBeGreaterThan(ran * 0.9);
  }, FUZZ_TIMEOUT);
});

describe('readXml regressions (each failed before its fix)', () => {
  it('expands a one-letter internal entity, as the README says internal entities are', () => {
    const doc = readXml('<!DOCTYPE rss [<!ENTITY a "Hello">]><rss><channel><title>&a; world</title></channel></rss>');
    expect(doc.root!.children[0].children[0].text).toBe('Hello world');
  });

  it('reads CRLF as LF (XML 1.0 §2.11) and a tab or newline in an attribute value as a space (§3.3.3)', () => {
    const doc = readXml('<r a="x\r\n\ty&#10;"><t>1\r\n2\r3</t></r>');
    expect(doc.root!.attrs.a).toBe('x  y\n');
    expect(doc.root!.children[0].text).toBe('1\n2\n3');
  });

  it('replaces a reference to a character XML does not allow with U+FFFD', () => {
    expect(readXml('<r>a&#1;b&#xFFFE;c&#9;d</r>').root!.text).toBe('a\ufffdb\ufffdc\td');
  });

  it('does not take "constructor" or "__proto__" for a declared namespace prefix', () => {
    const doc = readXml('<constructor:rss><__proto__:x toString:y="1"/></constructor:rss>');
    expect(doc.root!.name).toBe('constructor:rss');
    expect(doc.root!.children[0].name).toBe('__proto__:x');
    expect(doc.rootNs).toBeNull();
  });

  it(`stops nesting at ${MAX_XML_DEPTH} elements, so nothing recursive downstream runs out of stack`, () => {
    // An Atom text title with markup in it is read by a recursive walk: 100,000 levels overflowed it.
    const deep = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title>${'<b>'.repeat(30_000)}deep${'</b>'.repeat(30_000)}</title></entry></feed>`;
    expect(robustness(deep)).toBeNull();
    const { feed } = parseFeedText(deep);
    expect(feed.items[0].title).toContain('deep');
  });

  it('an RSS-in-JSON document nested 100,000 deep is read, never a RangeError', () => {
    const deep = `{"rss":{"version":"2.0","channel":{"title":"t","item":${'{"x":'.repeat(100_000)}1${'}'.repeat(100_000)}}}}`;
    expect(parseFeedText(deep).feed.title).toBe('t');
  });

  it.each([
    ['"&&&&…;": every "&" searched for the same ";"', `<r>${'&'.repeat(20_000)};</r>`],
    // Before the fix, each sibling copied the 2,000 prefixes in force (this took seconds; now milliseconds).
    // (The next two cost the old reader object copies and array scans, which the step count does not
    // see; at these sizes they took it past the test's time limit.)
    ['one namespace scope per sibling, with many prefixes in force', `<r ${Array.from({ length: 2000 }, (_, i) => `xmlns:p${i}="u${i}"`).join(' ')}>${'<x xmlns:q="v"/>'.repeat(5_000)}</r>`],
    // Before the depth limit, each stray end tag scanned 50,000 open elements.
    ['stray end tags under deep nesting', `<r>${'<a>'.repeat(50_000)}${'</b>'.repeat(50_000)}</r>`],
  ])('linear and bounded: %s', (_name, text) => {
    expect(robustness(text)).toBeNull();
  });
});

describe('readXml on adversarial shapes: linear and bounded', () => {
  it.each([
    ['an entity referenced far more often than the document is long allows', `<!DOCTYPE r [<!ENTITY k "${'k'.repeat(1000)}">]><r>${'&k;'.repeat(5_000)}</r>`],
    ['a DOCTYPE whose quotes never close', `<!DOCTYPE r [<!ENTITY a "${'<!ENTITY b \''.repeat(2_000)}`],
    ['a start tag with many attributes', `<r ${Array.from({ length: 5_000 }, (_, i) => `a${i}="v"`).join(' ')}/>`],
    ['unclosed comments, CDATA and tags', `<r>${'<!--'.repeat(2_000)}${'<![CDATA['.repeat(2_000)}${'<a b="'.repeat(2_000)}`],
    ['every "<" a bare one', `<r>${'< '.repeat(20_000)}</r>`],
  ])('%s', (_name, text) => {
    expect(robustness(text)).toBeNull();
  });
});

describe('parsing mutated documents: coded errors only, linear work, bounded trees', () => {
  it(`on ${4000 * FUZZ_SCALE} cut, flipped and spliced feed documents`, () => {
    const { ran, failures } = fuzz(4000 * FUZZ_SCALE, seedFor('xml-mutations'), (r: Rng) => {
      let s = genXml(r);
      for (let k = 1 + r.int(3); k > 0; k--) s = mutate(r, s);
      return s;
    }, robustness);
    console.log(`readXml robustness: ${ran} mutated documents, ${failures.length} failures`);
    expect(ran).toBe(4000 * FUZZ_SCALE);
    expect(failures).toEqual([]);
  }, FUZZ_TIMEOUT);

  it(`on ${1000 * FUZZ_SCALE} mutated JSON feeds`, () => {
    const json = (r: Rng) => JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1', title: 't\ud800', items: Array.from({ length: 1 + r.int(4) }, (_, i) => ({
        id: String(i), title: r.pick(['a', '\u0000b', '\udc00']), content_html: '<p>x</p>', tags: ['a'], attachments: [{ url: 'https://x.test/a.mp3' }],
      })),
    });
    const { ran, failures } = fuzz(1000 * FUZZ_SCALE, seedFor('json-mutations'), (r) => {
      let s = json(r);
      for (let k = 1 + r.int(3); k > 0; k--) s = mutate(r, s);
      return s;
    }, (text) => {
      try {
        parseFeedText(text);
        return null;
      } catch (err) {
        return err instanceof FeedError ? null : `threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`;
      }
    });
    expect(ran).toBe(1000 * FUZZ_SCALE);
    expect(failures).toEqual([]);
  }, FUZZ_TIMEOUT);
});
