/**
 * The suites with expected outputs in JSON: the real captures, rowanmanning
 * sample-feeds, rss-parser, feed-rs and feedsmith. Each maps the other
 * parser's output onto ExpectedItem (scoreboard.ts), field by field, and says
 * where that parser's representation differs from ours.
 */
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { repairTruncatedJson } from '../../src/parse/json';
import { CaseCheck, compareItems, FEEDS, newSuite, readJson, rel, runOurs, walk, type ExpectedItem, type Ours, type SuiteResult } from './scoreboard';

const HERE = dirname(fileURLToPath(import.meta.url));

const REFERENCE = join(HERE, 'reference', 'real');
/** The URL we say each corpus document was fetched from (make-reference.py uses the same one). */
const CORPUS_URL = 'http://corpus.test/feed';

const ourBase = (o: Extract<Ours, { ok: true }>) => () => o.feedUrl;

// ---- real captures: title, link and date of every item ------------------------------

const FEED_EXT = /\.(xml|rss|atom|rdf|json)$/;

/** Expected title/link/date for a real capture, from the best reference it has. */
function realReference(path: string, useOverrides: boolean): { source: string; items: ExpectedItem[]; feedUrl: string } | null {
  const expected = join(dirname(path), 'expected.rowanmanning-feed-parser.json');
  if (existsSync(expected)) {
    const doc = readJson(expected);
    return {
      source: 'rowanmanning',
      feedUrl: doc.url,
      items: doc.feed.items.map((it: any): ExpectedItem => ({
        title: { value: it.title },
        link: it.url,
        date: it.published ?? it.updated ?? null,
      })),
    };
  }
  if (path.endsWith('.json')) {
    // A JSON Feed states its fields unambiguously: the document is its own reference.
    // For a cut-off document, the items that arrived whole are the reference.
    const text = readFileSync(path, 'utf8');
    let doc: any;
    try {
      doc = JSON.parse(text);
    } catch {
      const fixed = repairTruncatedJson(text);
      doc = fixed ? JSON.parse(fixed) : { items: [] };
    }
    if (Array.isArray(doc.items)) {
      return {
        source: 'the JSON',
        feedUrl: CORPUS_URL,
        items: doc.items.map((it: any): ExpectedItem => ({
          title: { value: it.title ?? null, type: 'text/plain' },
          link: it.url ?? it.external_url ?? null,
          date: it.date_published ?? it.date_modified ?? null,
        })),
      };
    }
    if (doc.rss?.channel) {
      // RSS in JSON: the item fields are RSS's, written as JSON.
      const items = [].concat(doc.rss.channel.item ?? []);
      return {
        source: 'the JSON (RSS in JSON)',
        feedUrl: CORPUS_URL,
        items: items.map((it: any): ExpectedItem => ({
          title: it.title === undefined ? undefined : { value: it.title },
          link: it.link ?? null,
          date: it.pubDate ? new Date(it.pubDate).toISOString() : null,
        })),
      };
    }
  }
  const key = rel(path).replace(/^real\//, '');
  const ref = join(REFERENCE, `${key}.json`);
  if (!existsSync(ref)) return null;
  const doc = readJson(ref);
  const override = useOverrides ? OVERRIDES[key] : undefined;
  let entries: any[] = doc.entries;
  // Where the capture's own project asserts something about it in its tests, that wins over the
  // general-purpose reference (each override cites the test; see reference/overrides.json).
  if (override?.dropEmptyEntries) entries = entries.filter((e) => e.title || e.link || e.published || e.updated);
  return {
    source: override ? `${doc.generator} + ${override.source}` : doc.generator,
    feedUrl: CORPUS_URL,
    items: entries.map((e: any): ExpectedItem => ({
      title: { value: e.title ?? null, type: e.titleType ?? 'text/plain' },
      link: override?.relativeLinksAgainst && e.link?.startsWith(CORPUS_ORIGIN)
        ? new URL(e.link.slice(CORPUS_ORIGIN.length), override.relativeLinksAgainst).href
        : (e.link ?? null),
      date: e.published ?? e.updated ?? null,
    })),
  };
}

const CORPUS_ORIGIN = new URL(CORPUS_URL).origin;
const OVERRIDES: Record<string, { source: string; dropEmptyEntries?: boolean; relativeLinksAgainst?: string }> =
  JSON.parse(readFileSync(join(HERE, 'reference', 'overrides.json'), 'utf8'));

/**
 * The real captures. With `overrides: false` the two cases in reference/overrides.json are
 * compared with the general-purpose reference alone, so the report can show what the overrides decide.
 */
export async function realSuite(opts: { overrides: boolean } = { overrides: true }): Promise<SuiteResult> {
  const suite = newSuite(opts.overrides ? 'real' : 'real, no overrides');
  for (const path of walk(join(FEEDS, 'real'))) {
    if (!FEED_EXT.test(path) || basename(path).startsWith('expected')) continue;
    const id = rel(path);
    const check = new CaseCheck(suite, id);
    const ref = realReference(path, opts.overrides);
    if (!ref) {
      check.done('no reference');
      continue;
    }
    const ours = await runOurs(new Uint8Array(readFileSync(path)), null, ref.feedUrl);
    if (!ours.ok) {
      check.fail(`${ours.code}: ${ours.message}`);
    } else {
      compareItems(check, ours.drafts, ref.items, ourBase(ours));
    }
    check.done();
  }
  return suite;
}

// ---- rowanmanning/sample-feeds (real and example feeds) --------------------------

export async function rowanmanningSuite(): Promise<SuiteResult> {
  const suite = newSuite('rowanmanning');
  const dirs = [join(FEEDS, 'real', 'rowanmanning-sample-feeds'), join(FEEDS, 'parser-cases', 'rowanmanning-sample-feeds')];
  for (const path of dirs.flatMap(walk).filter((p) => p.endsWith('expected.rowanmanning-feed-parser.json'))) {
    const doc = readJson(path);
    const feedPath = join(dirname(path), 'feed.xml');
    const check = new CaseCheck(suite, rel(feedPath));
    const ours = await runOurs(new Uint8Array(readFileSync(feedPath)), null, doc.url);
    if (!ours.ok) {
      check.fail(`${ours.code}: ${ours.message}`);
      check.done();
      continue;
    }
    const items: ExpectedItem[] = doc.feed.items.map((it: any): ExpectedItem => ({
      title: { value: it.title },
      link: it.url,
      // rowanmanning/feed-parser reads no id from RSS 1.0's rdf:about, which is the item's URI
      // (RSS 1.0 §5.5) and our id for it; its null ids are not compared.
      id: it.id ?? undefined,
      date: it.published ?? it.updated ?? null,
      // It copies channel-level people (managingEditor) onto items, which we don't: names only,
      // and only item-level ones can be compared, so people without a name are skipped.
      authors: it.authors.map((a: any) => a.name).filter(Boolean),
      categories: it.categories.map((c: any) => c.label ?? c.term),
      contentText: it.content ?? it.description ?? null,
    }));
    compareItems(check, ours.drafts, items, ourBase(ours));
    check.done();
  }
  return suite;
}

// ---- rbren/rss-parser -------------------------------------------------------------

export async function rssParserSuite(): Promise<SuiteResult> {
  const suite = newSuite('rss-parser');
  const dir = join(FEEDS, 'parser-cases', 'rbren-rss-parser');
  for (const input of walk(join(dir, 'input'))) {
    const name = basename(input).replace(/\.[a-z]+$/, '');
    const out = join(dir, 'output', `${name}.json`);
    const check = new CaseCheck(suite, rel(input));
    if (!existsSync(out)) {
      // rss-parser's own tests expect these to fail or only check custom options.
      check.done('no expected output');
      continue;
    }
    if (name === 'xml2js-options') {
      // rss-parser's test runs this one with custom xml2js options (emptyTag: 'EMPTY').
      check.done('expected output made with custom parser options');
      continue;
    }
    let expected: any;
    try {
      expected = readJson(out);
    } catch {
      // encoding.json was saved in ISO-8859-1; read it as such.
      expected = JSON.parse(new TextDecoder('iso-8859-1').decode(readFileSync(out)));
    }
    const ours = await runOurs(new Uint8Array(readFileSync(input)), null, CORPUS_URL);
    if (!ours.ok) {
      check.fail(`${ours.code}: ${ours.message}`);
      check.done();
      continue;
    }
    const items: ExpectedItem[] = (expected.feed.items ?? []).map((it: any): ExpectedItem => ({
      title: it.title === undefined ? undefined : { value: it.title },
      link: it.link === undefined ? undefined : it.link,
      id: it.guid ?? it.id ?? undefined,
      // rss-parser reads dates with JavaScript's Date; where it could not (no isoDate), there is
      // nothing to compare.
      date: it.isoDate ?? undefined,
      authors: it.creator ?? it.author ? [it.creator ?? it.author] : undefined,
      categories: Array.isArray(it.categories) ? it.categories.map((c: any) => (typeof c === 'string' ? c : c?._ ?? c?.$?.term ?? '')) : undefined,
      // rss-parser's `content` is an RSS item's description, or an Atom entry's content.
      contentText: it.content === undefined || ours.feed.format !== 'atom' ? undefined : it.content,
      summaryText: it.content === undefined || ours.feed.format === 'atom' ? undefined : it.content,
      enclosures: it.enclosure?.url ? [it.enclosure.url] : undefined,
    }));
    compareItems(check, ours.drafts, items, (d) => d.originalUrl);
    check.done();
  }
  return suite;
}

// ---- feed-rs ------------------------------------------------------------------------

export async function feedRsSuite(): Promise<SuiteResult> {
  const suite = newSuite('feed-rs');
  for (const path of walk(join(FEEDS, 'parser-cases', 'feed-rs')).filter((p) => p.endsWith('.serde.json'))) {
    const input = ['.xml', '.json'].map((ext) => path.replace(/\.serde\.json$/, ext)).find(existsSync);
    if (!input) continue;
    const check = new CaseCheck(suite, rel(input));
    const expected = readJson(path);
    const ours = await runOurs(new Uint8Array(readFileSync(input)), null, CORPUS_URL);
    if (!ours.ok) {
      check.fail(`${ours.code}: ${ours.message}`);
      check.done();
      continue;
    }
    const source = new TextDecoder().decode(readFileSync(input));
    const items: ExpectedItem[] = (expected.entries ?? []).map((e: any): ExpectedItem => {
      return {
        title: e.title ? { value: e.title.content, type: e.title.content_type } : { value: null },
        link: e.links?.find((l: any) => !l.rel || l.rel === 'alternate')?.href ?? e.links?.[0]?.href ?? null,
        // feed-rs makes up an id (an MD5, or a UUID) where it reads none, and it reads none from
        // rdf:about; an id that does not occur in the document was made up and is not compared.
        id: typeof e.id === 'string' && source.includes(e.id) ? e.id : undefined,
        date: e.published ?? e.updated ?? null,
        // feed-rs stores RSS <author> as {name: "author", email: <the text>}.
        authors: (e.authors ?? []).map((a: any) => (a.name === 'author' && a.email ? a.email : a.name)).filter(Boolean),
        categories: (e.categories ?? []).map((c: any) => c.label ?? c.term),
        contentText: e.content?.body ?? e.summary?.content ?? null,
      };
    });
    compareItems(check, ours.drafts, items, (d) => d.originalUrl);
    check.done();
  }
  return suite;
}

// ---- feedsmith references ------------------------------------------------------------

export async function feedsmithSuite(): Promise<SuiteResult> {
  const suite = newSuite('feedsmith');
  for (const path of walk(join(FEEDS, 'parser-cases', 'feedsmith')).filter((p) => p.endsWith('.json'))) {
    const input = path.replace(/\.json$/, '.xml');
    if (!existsSync(input)) continue;
    const check = new CaseCheck(suite, rel(input));
    const expected = readJson(path);
    const ours = await runOurs(new Uint8Array(readFileSync(input)), null, CORPUS_URL);
    if (!ours.ok) {
      check.fail(`${ours.code}: ${ours.message}`);
      check.done();
      continue;
    }
    // feedsmith keeps raw values per namespace; the item's main fields are compared.
    const items: ExpectedItem[] = (expected.items ?? expected.entries ?? []).map((it: any): ExpectedItem => {
      const altLink = it.links?.find((l: any) => !l.rel || l.rel === 'alternate')?.href;
      return {
        title: it.title === undefined ? undefined : { value: typeof it.title === 'string' ? it.title : it.title?.value ?? null },
        link: it.link ?? altLink ?? undefined,
        id: it.guid?.value ?? it.id ?? (it.rdf?.about as string | undefined) ?? undefined,
        date: undefined,
        authors: it.authors ? it.authors.map((a: any) => (typeof a === 'string' ? a : a.name ?? a.email)) : undefined,
        categories: it.categories ? it.categories.map((c: any) => c.name ?? c.label ?? c.term) : undefined,
        enclosures: it.enclosures ? it.enclosures.map((e: any) => e.url) : undefined,
      };
    });
    compareItems(check, ours.drafts, items, (d) => d.originalUrl);
    // Dates are raw strings in feedsmith's output: compare the raw value our adapter picked.
    (expected.items ?? expected.entries ?? []).forEach((it: any, i: number) => {
      const raw = it.pubDate ?? it.published ?? it.dc?.dates?.[0] ?? it.dc?.date ?? it.updated;
      const o = ours.drafts[i];
      if (raw === undefined || !o) return;
      const ourRaw = o.item.published ?? o.item.updated;
      check.field('date', ourRaw === raw || (!!ourRaw && Date.parse(ourRaw) === Date.parse(raw)), () => `[${i}] ${ourRaw} vs ${raw}`);
    });
    check.done();
  }
  return suite;
}
