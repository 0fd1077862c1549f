/**
 * The parse stage: bytes -> ParsedFeed. It detects, then decodes, then adapts
 * (CONVENTIONS §3): the transport encoding is undone (`decodeTransport`, for
 * gzip bodies sent without Content-Encoding), the charset is chosen from the
 * bytes (charset.ts), the document is read by the tolerant XML reader
 * (xml.ts) or JSON.parse, its root decides the format, and the format's
 * adapter maps it onto our model (adapt.ts). Every failure is a FeedError with
 * a code a health record can show:
 *
 *   EMPTY_FEED          no bytes
 *   TOO_LARGE           more than `maxBytes` (parse needs several times the input in memory)
 *   BAD_ENCODING        still compressed, or a charset we cannot decode
 *   NOT_A_FEED          an HTML page (with no feed inside it)
 *   UNSUPPORTED_FORMAT  well-formed, but not RSS, RDF, Atom or JSON Feed (OPML, other JSON...)
 *   INVALID_FEED        not XML or JSON at all, or nothing readable left after repair
 *
 * Entity expansion: the XML reader reads no DTD beyond flat internal
 * entities (literal text, no references, within a budget), so billion-laughs
 * and external-entity documents parse to their literal `&name;` text, in time
 * linear in their size (test/parse/parse.test.ts).
 */
import { readUpTo } from '../bytes';
import { FeedError } from '../errors';
import type { ParsedFeed } from '../model';
import { adaptAtom, adaptJson, adaptRdf, adaptRss, isJsonFeed, rssInJsonToXml } from './adapt';
import { decodeBody } from './charset';
import { cleanJsonStrings, repairTruncatedJson } from './json';
import { readXml, type XmlDocument, type XmlElement } from './xml';

export { decodeBody } from './charset';

/**
 * Refuse bodies above this size. Reading takes roughly ten times the input in
 * heap (bench/parse.bench.ts measures it), and a Worker isolate has 128 MB for
 * everything: one oversized feed must fail with a code, not take the whole run down.
 */
export const MAX_PARSE_BYTES = 10 * 1024 * 1024;

export interface ParseResult {
  feed: ParsedFeed;
  encoding: string;
  /** True when the document was malformed and was read by recovery (only complete items kept). */
  repaired: boolean;
}

export interface ParseOptions {
  maxBytes?: number;
}

const isGzip = (b: Uint8Array) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Undo a transport encoding the server did not declare. Some servers send
 * gzip bytes without `Content-Encoding: gzip` (the node-feedparser corpus has
 * one), so fetch hands them over still compressed. The gzip magic (RFC 1952
 * §2.3.1: 1f 8b) is unambiguous: neither XML, JSON nor any text encoding
 * starts with it. Async because DecompressionStream is a stream.
 */
export async function decodeTransport(bytes: Uint8Array, opts: ParseOptions = {}): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const max = opts.maxBytes ?? MAX_PARSE_BYTES;
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    const out = await readUpTo(stream, max);
    if (!out) throw new FeedError('TOO_LARGE', 'parse', `gzip body inflates past ${max} bytes`);
    return out;
  } catch (err) {
    if (err instanceof FeedError) throw err;
    throw new FeedError('BAD_ENCODING', 'parse', `body starts like gzip but does not inflate (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

export function parseFeedBody(bytes: Uint8Array, contentType: string | null = null, opts: ParseOptions = {}): ParseResult {
  if (bytes.length === 0) throw new FeedError('EMPTY_FEED', 'parse', 'the response body is empty');
  const max = opts.maxBytes ?? MAX_PARSE_BYTES;
  if (bytes.length > max) throw new FeedError('TOO_LARGE', 'parse', `body is ${bytes.length} bytes, more than ${max}`);
  if (isGzip(bytes)) throw new FeedError('BAD_ENCODING', 'parse', 'body is gzip-compressed without Content-Encoding (run decodeTransport first)');
  const decoded = decodeBody(bytes, contentType);
  const { feed, repaired } = parseFeedText(decoded.text);
  return { feed, encoding: decoded.encoding, repaired };
}

const FEED_ROOT = /<(?:[A-Za-z_][\w.-]*:)?(rss|feed|rdf)[\s>/]/i;

/** Text -> ParsedFeed: the part of parsing after the charset is known. */
export function parseFeedText(text: string): { feed: ParsedFeed; repaired: boolean } {
  let start = 0;
  while (start < text.length && (text.charCodeAt(start) <= 32 || text.charCodeAt(start) === 0xfeff)) start++;
  const c = text[start];
  if (c === '{' || c === '[') return parseJsonText(text);
  if (start >= text.length) throw new FeedError('EMPTY_FEED', 'parse', 'the document is blank');
  if (c !== '<') throw new FeedError('INVALID_FEED', 'parse', 'not XML or JSON');

  let doc = readXml(text);
  let root = doc.root;
  if (!root) throw new FeedError('INVALID_FEED', 'parse', 'no element found');
  let embedded = false;
  if (!isFeedRoot(root.name)) {
    // A feed wrapped in an HTML or other XML page (the feedjira corpus has an Atom feed inside
    // <html><body>): read from the feed's own root element.
    const inner = findFeedRoot(root);
    const m = inner ? FEED_ROOT.exec(text.slice(1)) : null;
    if (inner && m) {
      doc = readXml(text.slice(m.index + 1));
      root = doc.root;
      embedded = true;
    }
    if (!root || !isFeedRoot(root.name)) {
      if (/^(x?html|xhtml:html|head|body)$/.test(doc.root?.name ?? '') || /^\s*<!doctype\s+html/i.test(text.slice(start, start + 100))) {
        throw new FeedError('NOT_A_FEED', 'parse', 'got an HTML page, not a feed');
      }
      throw new FeedError('UNSUPPORTED_FORMAT', 'parse', `no <rss>, <feed> or <rdf:RDF> root (found <${doc.root?.name ?? '?'}>)`);
    }
  }
  const feed = adaptXml(doc, root);
  return { feed, repaired: !doc.wellFormed || embedded };
}

function isFeedRoot(name: string): boolean {
  return name === 'rss' || name === 'feed' || name === 'entry' || name === 'rdf:rdf' || name === 'rdf' || name === 'channel' || name === 'rss2:rss';
}

function findFeedRoot(el: XmlElement, depth = 0): XmlElement | null {
  if (depth > 4) return null;
  for (const c of el.children) {
    if (c.name === 'rss' || c.name === 'feed' || c.name === 'atom:feed' || c.name === 'rdf:rdf') return c;
    const deeper = findFeedRoot(c, depth + 1);
    if (deeper) return deeper;
  }
  return null;
}

function adaptXml(doc: XmlDocument, root: XmlElement): ParsedFeed {
  switch (root.name) {
    case 'rss':
    case 'rss2:rss':
    case 'channel':
      return adaptRss(doc, root);
    case 'feed':
    case 'entry':
      return adaptAtom(doc, root);
    default:
      return adaptRdf(doc, root);
  }
}

function parseJsonText(text: string): { feed: ParsedFeed; repaired: boolean } {
  let value: unknown;
  let repaired = false;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const fixed = repairTruncatedJson(text);
    if (fixed === null) throw new FeedError('INVALID_FEED', 'parse', `malformed JSON (${(err as Error).message})`, { cause: err });
    try {
      value = JSON.parse(fixed);
      repaired = true;
    } catch {
      throw new FeedError('INVALID_FEED', 'parse', `malformed JSON (${(err as Error).message})`, { cause: err });
    }
  }
  // Unpaired surrogates and control characters from string escapes stop here, at ingest.
  value = cleanJsonStrings(value);
  const doc = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  if (!doc) throw new FeedError('UNSUPPORTED_FORMAT', 'parse', 'JSON document is not an object');
  if (isJsonFeed(doc)) return { feed: adaptJson(doc), repaired };
  const rss = rssInJsonToXml(doc);
  if (rss?.root) return { feed: adaptRss(rss, rss.root), repaired };
  throw new FeedError('UNSUPPORTED_FORMAT', 'parse', 'JSON document is not a JSON Feed (no version https://jsonfeed.org/version/1.x)');
}
