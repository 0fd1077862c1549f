/**
 * Python feedparser's test cases (kurtmckee/feedparser tests/), read the way
 * its own harness reads them: the document is served with the case's
 * `Header:` lines from http://127.0.0.1:8097/tests/<path>, and the `Expect:`
 * line is a Python expression over the parse result. Here it is evaluated
 * (pyexpr.ts) against a feedparser-shaped view of Marquee's output.
 *
 * The view exposes only the names that correspond to fields Marquee models;
 * reading any other name raises NotModeled and the case is excluded, with
 * the name recorded. How names map:
 *
 *   entries[i].title, title_detail.value   our title, as text (before the fallback
 *                                          to the summary; a missing title is a missing key)
 *   entries[i].link                        our link, resolved
 *   entries[i].id, guid                    the document's guid / id / rdf:about
 *   entries[i].language                    the entry's language (dc:language, xml:lang)
 *   summary, description, summary_detail.value   sanitized summary HTML
 *   content[j].value                       sanitized content HTML
 *   published, updated                     the raw date string; updated falls back to
 *                                          published (feedparser 6 does the same)
 *   published_parsed, updated_parsed       our parsed date as a UTC 9-tuple
 *   author, author_detail.name, authors[k].name   author names ("name (email)" reduced to the name)
 *   tags[k].term, label, category          categories
 *   enclosures[k].href/url/type/length     enclosures
 *   media_thumbnail, media_content (url)   images from Media RSS
 *   image.href (entry)                     itunes:image
 *   feed.title, title_detail.value, link, language, image.href/url, ttl
 *   encoding                               equal when decoding the bytes with the named
 *                                          charset gives the text we decoded
 *   version                                format and version (rss091n/u both map to rss 0.91)
 *
 * `bozo` (feedparser's "not well-formed" flag) is not modeled: a top-level
 * `bozo` / `not bozo` conjunct is dropped, and a case with nothing else is excluded.
 * Text values are compared the way compare.ts says (text for titles, a
 * canonical HTML form for summaries and content).
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import type { ItemDraft } from '../../src/normalize/index';
import { resolveUrl } from '../../src/normalize/url';
import { htmlToText } from '../../src/normalize/text';
import { personName } from '../../src/parse/adapt';
import { decodeBody } from '../../src/parse/charset';
import { canonicalHtml, collapse, expectedText, normUrl, structTime, textOf } from './compare';
import { conjuncts, evalPy, isBozoTest, KeyError, NotModeled, parsePy, truthy, type Py, type PyObject } from './pyexpr';
import { CaseCheck, FEEDS, newSuite, ourDate, runOurs, walk, type Ours, type SuiteResult } from './scoreboard';

const HERE = dirname(fileURLToPath(import.meta.url));

const CASES = join(FEEDS, 'parser-cases', 'kurtmckee-feedparser');
const TYPES: Record<string, any> = JSON.parse(readFileSync(join(HERE, 'reference', 'feedparser-types.json'), 'utf8'));

type Getter = () => Py;

/** A dict-like view: modeled keys have getters (returning undefined = absent), others raise NotModeled. */
function view(path: string, modeled: Record<string, Getter | (() => Py | undefined)>): PyObject {
  const value = (key: string): Py | undefined => {
    if (!(key in modeled)) throw new NotModeled(`${path}.${key}`);
    return (modeled[key] as () => Py | undefined)();
  };
  return {
    __py: true,
    get(key) {
      const v = value(key);
      if (v === undefined) throw new KeyError(`${path}.${key}`);
      return v;
    },
    has(key) {
      return value(key) !== undefined;
    },
    len() {
      return Object.keys(modeled).filter((k) => value(k) !== undefined).length;
    },
  };
}

/** A string compared as our side's kind of value: text, or HTML in canonical form. */
function textValue(ours: string, kind: 'text' | 'html', expectedType: string | null | undefined): PyObject {
  return {
    __py: true,
    str: () => (kind === 'text' ? ours : htmlToText(ours)),
    get() {
      throw new KeyError('str');
    },
    has: () => false,
    truthy: () => ours.length > 0,
    len: () => ours.length,
    eq(other) {
      if (typeof other !== 'string') return false;
      if (kind === 'text') return collapse(ours) === expectedText(other, expectedType);
      // The other side's value is HTML unless feedparser typed it as plain text.
      const exp = expectedType && !/html|xml/.test(expectedType) ? other.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : other;
      return canonicalHtml(ours) === canonicalHtml(exp);
    },
  };
}

function urlValue(ours: string): PyObject {
  return {
    __py: true,
    str: () => ours,
    get() {
      throw new KeyError('str');
    },
    has: () => false,
    eq: (other) => typeof other === 'string' && normUrl(other) === normUrl(ours),
  };
}

const FP_VERSIONS: Record<string, string[]> = {
  'rss 2.0': ['rss20'], 'rss 0.91': ['rss091u', 'rss091n'], 'rss 0.92': ['rss092'], 'rss 0.93': ['rss093'], 'rss 0.94': ['rss094'],
  'rss 1.0': ['rss10'], 'rss 0.90': ['rss090'], 'atom 1.0': ['atom10'], 'atom 0.3': ['atom03'], rss: ['rss'], 'json 1.0': ['json1'], 'json 1.1': ['json11'],
};

function entryView(d: ItemDraft, types: any): PyObject {
  const it = d.item;
  const titleType = types?.title;
  const title = it.title === null ? undefined : textValue(htmlToText(it.title), 'text', titleType);
  const hasContent = it.content !== null || it.contentText !== null;
  const content = hasContent ? [view('content[0]', { value: () => textValue(d.contentHtml, 'html', types?.content?.[0]) })] : undefined;
  // feedparser's summary is the summary element, else the first content (feedparser 6 _end_content).
  const summary = it.summary !== null ? textValue(d.summaryHtml, 'html', types?.summary) : hasContent ? textValue(d.contentHtml, 'html', types?.summary ?? types?.content?.[0]) : undefined;
  const date = ourDate(d);
  const names = d.authors;
  const author = names.length ? authorValue(names[0]) : undefined;
  const images = (origin: string) => it.images.filter((x) => x.origin === origin).map((x, k) => view(`media[${k}]`, { url: () => urlValue(resolveUrl(x.url, it.base) ?? x.url) }));
  return view('entries[i]', {
    title: () => title,
    title_detail: () => (title ? view('title_detail', { value: () => title }) : undefined),
    link: () => (d.originalUrl ? urlValue(d.originalUrl) : undefined),
    id: () => it.guid ?? undefined,
    guid: () => it.guid ?? undefined,
    language: () => it.language ?? undefined,
    summary: () => summary,
    description: () => summary,
    summary_detail: () => (summary ? view('summary_detail', { value: () => summary }) : undefined),
    content: () => content,
    published: () => it.published ?? undefined,
    updated: () => it.updated ?? it.published ?? undefined,
    published_parsed: () => (it.published && date ? structTime(date) : undefined),
    updated_parsed: () => (it.updated ? (d.dates.updated ? structTime(d.dates.updated) : undefined) : it.published && date ? structTime(date) : undefined),
    author: () => author,
    author_detail: () => (author ? view('author_detail', { name: () => author }) : undefined),
    authors: () => names.map((n, k) => view(`authors[${k}]`, { name: () => authorValue(n) })),
    // A category is stored as its label when there is one (RFC 4287 §4.2.2.3: the label is for display), else its term.
    tags: () => d.categories.map((c, k) => view(`tags[${k}]`, { term: () => c, label: () => c })),
    category: () => d.categories[0],
    enclosures: () => it.enclosures.map((e, k) => view(`enclosures[${k}]`, {
      href: () => urlValue(resolveUrl(e.url, it.base) ?? e.url), url: () => urlValue(resolveUrl(e.url, it.base) ?? e.url),
      type: () => e.type ?? undefined, length: () => (e.length === null ? undefined : String(e.length)),
    })),
    media_thumbnail: () => images('media:thumbnail'),
    media_content: () => images('media:content'),
    image: () => {
      const img = it.images.find((x) => x.origin === 'itunes:image');
      return img ? view('image', { href: () => urlValue(img.url) }) : undefined;
    },
  });
}

/** An author name compared with feedparser's "name (email)" / "email (name)" display string. */
function authorValue(name: string): PyObject {
  return {
    __py: true,
    get() {
      throw new KeyError('str');
    },
    has: () => false,
    eq: (other) => typeof other === 'string' && (other === name || textOf(personName(other) ?? other) === name),
  };
}

function encodingValue(ours: { encoding: string; text: string }, bytes: Uint8Array): PyObject {
  return {
    __py: true,
    get() {
      throw new KeyError('str');
    },
    has: () => false,
    eq(other) {
      if (typeof other !== 'string') return false;
      if (other.toLowerCase() === ours.encoding) return true;
      // Same characters is what matters: decode the bytes as the other parser says they are.
      try {
        const forced = decodeBody(bytes, `text/xml; charset=${other}`);
        return forced.text === ours.text || new TextDecoder(other).decode(bytes).replace(/^\ufeff/, '') === ours.text;
      } catch {
        return false;
      }
    },
  };
}

function caseHeaders(text: string): Record<string, string> {
  const head = text.slice(0, 4096);
  const end = head.indexOf('-->');
  const headers: Record<string, string> = {};
  for (const line of head.slice(0, Math.max(0, end)).split('\n')) {
    const m = /^\s*Header:\s*([^:]+):\s*(.*)$/.exec(line);
    if (m) headers[m[1].trim().toLowerCase()] = m[2].trim();
  }
  return headers;
}

function caseExpect(text: string): string | null {
  const m = /Expect:\s*([\s\S]*?)(?:\n\s*[A-Z][A-Za-z]+:|-->|\n\s*\n)/.exec(text.slice(0, 8192));
  return m ? m[1].replace(/\s+/g, ' ').trim() : null;
}

export async function feedparserSuite(): Promise<SuiteResult> {
  const suite = newSuite('feedparser');
  for (const path of walk(CASES)) {
    const relPath = path.slice(CASES.length + 1);
    const check = new CaseCheck(suite, relPath);
    const bytes = new Uint8Array(readFileSync(path));
    const latin = new TextDecoder('latin1').decode(bytes.subarray(0, 8192));
    // JSON cases keep the comment in a "__TEST__" member.
    const expectSrc = caseExpect(latin.replace(/"__TEST__":\s*"/, 'Expect-json: ').replace(/Description:[^"]*?Expect:/, 'Expect:'));
    if (!expectSrc) {
      check.done('no Expect line');
      continue;
    }
    let expr;
    try {
      expr = parsePy(expectSrc.replace(/\s*-->\s*",?$/, ''));
    } catch (err) {
      check.fail(`unreadable Expect (${(err as Error).message}): ${expectSrc}`);
      check.done();
      continue;
    }
    const parts = conjuncts(expr).filter((c) => !isBozoTest(c));
    if (!parts.length || (parts.length === 1 && parts[0].t === 'lit')) {
      check.done('expects only bozo (well-formedness flag) or nothing');
      continue;
    }
    const headers = caseHeaders(latin);
    const contentType = headers['content-type'] ?? null;
    const feedUrl = `http://127.0.0.1:8097/tests/${relPath}`;
    const ours: Ours = await runOurs(bytes, contentType, feedUrl);
    const types = TYPES[relPath] ?? {};
    let excluded: string | null = null;
    let env: Record<string, Py>;
    if (!ours.ok) {
      env = {};
    } else {
      const feed = ours.feed;
      const decoded = (() => {
        try {
          return decodeBody(bytes, contentType);
        } catch {
          return { encoding: ours.encoding, text: '' };
        }
      })();
      const feedTitle = feed.title === null ? undefined : textValue(htmlToText(feed.title), 'text', types.feed?.title);
      const feedLink = feed.link ? resolveUrl(feed.link, feed.base ? resolveUrl(feed.base, feedUrl) : feedUrl) : null;
      env = {
        feed: view('feed', {
          title: () => feedTitle,
          title_detail: () => (feedTitle ? view('feed.title_detail', { value: () => feedTitle }) : undefined),
          link: () => (feedLink ? urlValue(feedLink) : undefined),
          language: () => feed.language ?? undefined,
          image: () => (feed.image ? view('feed.image', { href: () => urlValue(feed.image!), url: () => urlValue(feed.image!) }) : undefined),
          ttl: () => (feed.ttlMinutes === null ? undefined : String(feed.ttlMinutes)),
        }),
        entries: ours.drafts.map((d, i) => entryView(d, types.entries?.[i])),
        encoding: encodingValue(decoded, bytes),
        version: {
          __py: true,
          get() {
            throw new KeyError('str');
          },
          has: () => false,
          // feedparser reports RSS 2.0x documents (version="2.01", "2.1") as rss20.
          eq: (other) => typeof other === 'string' && (FP_VERSIONS[/^rss 2\./.test(feed.version ?? '') ? 'rss 2.0' : (feed.version ?? '')] ?? []).includes(other),
        } as PyObject,
      };
    }
    // Whether a case concerns a modeled field is decided from the expression alone, before
    // looking at our output: a conjunct that reads an unmodeled name excludes the case.
    for (const part of parts) {
      try {
        probeModeled(part);
      } catch (err) {
        excluded = `not modeled: ${(err as NotModeled).field.replace(/\[\d+\]/g, '[i]')}`;
        break;
      }
    }
    // Headers other than Content-Type (Content-Location, Content-Language...) are fetch's business.
    const otherHeader = Object.keys(headers).find((h) => h !== 'content-type');
    if (!excluded && otherHeader) excluded = `depends on the HTTP header ${otherHeader}`;
    if (excluded) {
      check.done(excluded);
      continue;
    }
    // Each remaining conjunct must hold.
    let failed: string | null = null;
    for (const part of parts) {
      try {
        if (!ours.ok) {
          failed = `${ours.code}: ${ours.message}`;
          break;
        }
        const v = evalPy(part, env);
        if (!truthy(v)) {
          failed = `false: ${expectSrc}`;
          break;
        }
      } catch (err) {
        if (err instanceof NotModeled) {
          excluded = `not modeled: ${err.field.replace(/\[\d+\]/g, '[i]')}`;
          break;
        }
        failed = `${err instanceof KeyError ? 'missing' : 'error'} ${(err as Error).message}: ${expectSrc}`;
        break;
      }
    }
    if (excluded) check.done(excluded);
    else {
      if (failed) check.fail(failed);
      else check.field('expect', true, () => '');
      check.done();
    }
  }
  return suite;
}

/** Throws NotModeled if the expression reads a name the view would not model. */
function probeModeled(part: ReturnType<typeof parsePy>): void {
  // A view in which every modeled field is present, so only unmodeled names can fail to resolve.
  const x = 'x';
  const full: ItemDraft = {
    item: {
      guid: x, guidIsPermaLink: false, link: 'http://x.test/', title: x, summary: x, content: x, contentText: null, published: x, updated: x,
      authors: [x], categories: [x], enclosures: [{ url: 'http://x.test/e', type: x, length: 1 }],
      images: [{ url: 'http://x.test/i', width: 1, height: 1, origin: 'media:thumbnail' }, { url: 'http://x.test/i', width: 1, height: 1, origin: 'media:content' }, { url: 'http://x.test/i', width: 1, height: 1, origin: 'itunes:image' }],
      base: null, language: null,
    },
    url: 'http://x.test/', originalUrl: 'http://x.test/', title: x, summaryText: x, summaryHtml: x, contentHtml: x, image: null,
    enclosures: [{ url: 'http://x.test/e', type: x, length: 1, durationSeconds: null }], base: null, contentImages: [], summaryImages: [], authors: [x], categories: [x],
    dates: { published: NOW_ISO, updated: NOW_ISO, dateInferred: null, dateOriginal: null }, fullText: x, summaryPlain: x, contentPlain: x,
  };
  const entries = [0, 1, 2].map(() => entryView(full, {}));
  const any: PyObject = { __py: true, get: () => any, has: () => true, eq: () => false, len: () => 1 };
  const env: Record<string, Py> = {
    feed: view('feed', { title: () => any, title_detail: () => view('feed.title_detail', { value: () => any }), link: () => any, language: () => any, image: () => view('feed.image', { href: () => any, url: () => any }), ttl: () => any }),
    entries,
    encoding: any,
    version: any,
  };
  try {
    evalPy(part, env);
  } catch (err) {
    if (err instanceof NotModeled) throw err;
  }
}

const NOW_ISO = '2004-01-01T00:00:00.000Z';
