/**
 * The parse stage: bytes -> ParsedFeed. It detects, then decodes, then adapts
 * (CONVENTIONS §3): the charset is chosen from the bytes (charset.ts), the
 * format by feedsmith's detectors, and each format is mapped onto our model
 * (adapt.ts). Every failure is a FeedError with a code a health record can show.
 *
 * Entity expansion: feedsmith (fast-xml-parser with processEntities off) never
 * expands DTD entities, so billion-laughs and external-entity documents are
 * inert; we also refuse any document whose DOCTYPE declares entities, so such
 * a document fails fast with a clear code instead of parsing to `&lol9;` text.
 */
import { DetectError, MalformedError, parseFeed as feedsmithParse } from 'feedsmith';
import { FeedError } from '../errors';
import type { ParsedFeed } from '../model';
import { adaptAtom, adaptJson, adaptRdf, adaptRss } from './adapt';
import { decodeBody } from './charset';

export { decodeBody } from './charset';

const ENTITY_DECL = /<!DOCTYPE[^>[]*\[[\s\S]*?<!ENTITY/i;

/** A quick look at what the text is, for errors that say more than "unrecognized". */
function describe(text: string): { looksHtml: boolean; looksJson: boolean; root: string | null } {
  const head = text.slice(0, 2048).replace(/^\s+/, '');
  const looksJson = head.startsWith('{') || head.startsWith('[');
  const looksHtml = /^(<!--[\s\S]*?-->\s*)*<!doctype\s+html|<html[\s>]/i.test(head);
  const root = /<([A-Za-z_][\w:.-]*)[\s>/]/.exec(head.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<![^>]*>/g, ''));
  return { looksHtml, looksJson, root: root ? root[1] : null };
}

/**
 * Cut a truncated XML feed back to its last complete item and close it, so a
 * feed cut off by a dropped connection still yields the items it did send.
 */
export function repairTruncated(text: string): string | null {
  const lastItem = Math.max(text.lastIndexOf('</item>'), text.lastIndexOf('</entry>'));
  if (lastItem < 0) return null;
  const close = text.startsWith('</entry>', lastItem) ? '</entry>'.length : '</item>'.length;
  const head = text.slice(0, lastItem + close);
  if (/<feed[\s>]/.test(head.slice(0, 4096))) return `${head}</feed>`;
  if (/<rdf:RDF[\s>]/i.test(head.slice(0, 4096))) return `${head}</rdf:RDF>`;
  // RSS 2.0 items sit inside <channel>; RSS 1.0 items sit beside it.
  return `${head}</channel></rss>`;
}

export interface ParseResult {
  feed: ParsedFeed;
  encoding: string;
  /** True when the document was malformed and only its complete items were kept. */
  repaired: boolean;
}

export function parseFeedBody(bytes: Uint8Array, contentType: string | null = null): ParseResult {
  if (bytes.length === 0) throw new FeedError('EMPTY_FEED', 'parse', 'the response body is empty');
  const decoded = decodeBody(bytes, contentType);
  const text = decoded.text;
  if (ENTITY_DECL.test(text.slice(0, 65536))) {
    throw new FeedError('INVALID_FEED', 'parse', 'document declares DTD entities; refused (entity expansion is never performed)');
  }
  let repaired = false;
  let result: ReturnType<typeof feedsmithParse>;
  try {
    result = feedsmithParse(text);
  } catch (err) {
    if (err instanceof MalformedError) {
      const fixed = repairTruncated(text);
      let ok: ReturnType<typeof feedsmithParse> | null = null;
      if (fixed) {
        try {
          ok = feedsmithParse(fixed);
        } catch {
          ok = null;
        }
      }
      if (!ok) throw new FeedError('INVALID_FEED', 'parse', `malformed XML (${err.message})`, { cause: err });
      result = ok;
      repaired = true;
    } else if (err instanceof DetectError) {
      const d = describe(text);
      if (d.looksHtml) throw new FeedError('NOT_A_FEED', 'parse', 'got an HTML page, not a feed');
      if (d.looksJson) throw new FeedError('UNSUPPORTED_FORMAT', 'parse', 'JSON document is not a JSON Feed (no version https://jsonfeed.org/version/1.x)');
      if (d.root) throw new FeedError('UNSUPPORTED_FORMAT', 'parse', `no <rss>, <feed> or <rdf:RDF> root (found <${d.root}>)`);
      throw new FeedError('INVALID_FEED', 'parse', 'not XML or JSON');
    } else {
      throw new FeedError('INVALID_FEED', 'parse', err instanceof Error ? err.message : String(err), { cause: err });
    }
  }
  let feed: ParsedFeed;
  switch (result.format) {
    case 'rss':
      feed = adaptRss(result.feed as never, text);
      break;
    case 'atom':
      feed = adaptAtom(result.feed as never, text);
      break;
    case 'rdf':
      feed = adaptRdf(result.feed as never);
      break;
    case 'json':
      feed = adaptJson(result.feed as never, safeJson(text) as Record<string, unknown> | null);
      break;
    default:
      throw new FeedError('UNSUPPORTED_FORMAT', 'parse', `unknown format ${(result as { format: string }).format}`);
  }
  return { feed, encoding: decoded.encoding, repaired };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
