/**
 * The corpus scoreboard (npm run test:corpus): Marquee's parse and normalize
 * stages run over ../shared/corpus/feeds, and every suite's expected results
 * are compared with ours, field by field, for the fields Marquee models
 * (title, link, id, dates, author, categories, content, enclosures/images).
 *
 * Suites and what each expectation is:
 *  - real:        every capture under feeds/real, every item's title, link and
 *                 date, against the capture's own expected output where it has
 *                 one (rowanmanning), the JSON itself for JSON Feeds, else Python
 *                 feedparser 6.0.10's output (test/corpus/reference/real, made by
 *                 make-reference.py).
 *  - rowanmanning: sample-feeds expected JSON (real + spec examples).
 *  - rss-parser:  rbren/rss-parser test/output/*.json.
 *  - feed-rs:     feed-rs fixture *.serde.json.
 *  - feedsmith:   feedsmith's reference *.json (raw field values).
 *  - feedparser:  kurtmckee/feedparser cases, each evaluated from its `Expect:` line
 *                 (see feedparser.ts for how its names map onto ours).
 *
 * A case agrees when every compared field agrees. A case is excluded only
 * when it compares nothing we model; the reason is recorded and printed.
 */
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import type { ParsedFeed } from '../../src/model';
import { normalizeItem, type ItemDraft } from '../../src/normalize/index';
import { personName } from '../../src/parse/adapt';
import { decodeTransport, parseFeedBody } from '../../src/parse/index';
import { collapse, expectedText, normUrl, sameInstant, sameTextEitherWay, textHead, textOf } from './compare';
import { htmlToText } from '../../src/normalize/text';

const HERE = dirname(fileURLToPath(import.meta.url));

export const CORPUS = join(HERE, '..', '..', '..', 'shared', 'corpus');
export const FEEDS = join(CORPUS, 'feeds');
export const NOW = new Date('2026-11-26T08:00:00Z');

export function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

export type Ours =
  | { ok: true; feed: ParsedFeed; encoding: string; repaired: boolean; drafts: ItemDraft[]; feedUrl: string }
  | { ok: false; code: string; message: string };

/** Marquee's stages, as refresh.ts runs them: transport, parse, then each item normalized. */
export async function runOurs(bytes: Uint8Array, contentType: string | null, feedUrl: string): Promise<Ours> {
  try {
    const body = await decodeTransport(bytes);
    const { feed, encoding, repaired } = parseFeedBody(body, contentType);
    const ctx = { source: { id: 's', url: feedUrl, title: null, home_page_url: null, category: null }, feedUrl, now: NOW };
    return { ok: true, feed, encoding, repaired, drafts: feed.items.map((it) => normalizeItem(feed, it, ctx)), feedUrl };
  } catch (err) {
    return { ok: false, code: (err as { code?: string }).code ?? 'ERROR', message: (err as Error).message };
  }
}

export interface CaseResult {
  id: string;
  /** agree: every compared field agrees; excluded: nothing we model is compared. */
  status: 'agree' | 'disagree' | 'excluded';
  reasons: string[];
}

export interface SuiteResult {
  name: string;
  cases: CaseResult[];
  /** Per field: how many compared values agreed. */
  fields: Record<string, { agree: number; total: number }>;
}

export function newSuite(name: string): SuiteResult {
  return { name, cases: [], fields: {} };
}

/** Records field comparisons for one case. */
export class CaseCheck {
  readonly reasons: string[] = [];
  compared = 0;
  constructor(private suite: SuiteResult, readonly id: string) {}

  field(name: string, ok: boolean, detail: () => string): void {
    const f = (this.suite.fields[name] ??= { agree: 0, total: 0 });
    f.total++;
    this.compared++;
    if (ok) f.agree++;
    else if (this.reasons.length < 4) this.reasons.push(`${name}: ${detail()}`);
  }

  fail(reason: string): void {
    this.compared++;
    this.reasons.push(reason);
  }

  done(excludedReason?: string): void {
    if (this.compared === 0) {
      this.suite.cases.push({ id: this.id, status: 'excluded', reasons: [excludedReason ?? 'nothing compared'] });
      return;
    }
    this.suite.cases.push({ id: this.id, status: this.reasons.length ? 'disagree' : 'agree', reasons: this.reasons });
  }
}

const short = (v: unknown) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 90 ? `${s.slice(0, 87)}...` : s;
};

/** What the other parser says about one item; undefined fields are not compared. */
export interface ExpectedItem {
  title?: { value: string | null; type?: string | null };
  link?: string | null;
  id?: string | null;
  /** An instant (ISO) or null when the other parser found no date. */
  date?: string | null;
  authors?: string[];
  categories?: string[];
  /** HTML of the content (or summary), compared by the first 300 characters of text. */
  contentText?: string | null;
  /** HTML of the summary alone, compared the same way. */
  summaryText?: string | null;
  enclosures?: string[];
  image?: string | null;
}

/** Our date for an item: the feed's own date, or null when we had to infer one. */
export function ourDate(d: ItemDraft): string | null {
  return d.dates.dateInferred ? null : d.dates.published;
}

export function compareItems(check: CaseCheck, ours: ItemDraft[], expected: ExpectedItem[], base: (d: ItemDraft) => string | null): void {
  check.field('items', ours.length === expected.length, () => `${ours.length}, expected ${expected.length}`);
  const n = Math.min(ours.length, expected.length);
  for (let i = 0; i < n; i++) {
    const o = ours[i];
    const e = expected[i];
    const at = `[${i}]`;
    if (e.title !== undefined) {
      const ourTitle = o.item.title === null ? '' : htmlToText(o.item.title);
      const ok = e.title.type === undefined
        ? sameTextEitherWay(ourTitle, e.title.value)
        : collapse(ourTitle) === expectedText(e.title.value, e.title.type);
      check.field('title', ok, () => `${at} ${short(ourTitle)} vs ${short(e.title!.value)}`);
    }
    if (e.link !== undefined) {
      const exp = e.link === null ? null : normUrl(e.link, base(o));
      check.field('link', normUrl(o.originalUrl) === exp, () => `${at} ${short(o.originalUrl)} vs ${short(exp)}`);
    }
    if (e.id !== undefined) {
      const ours = o.item.guid === null ? null : o.item.guid.trim();
      check.field('id', ours === (e.id === null ? null : e.id.trim()), () => `${at} ${short(ours)} vs ${short(e.id)}`);
    }
    if (e.date !== undefined) {
      check.field('date', sameInstant(ourDate(o), e.date), () => `${at} ${short(ourDate(o) ?? `${o.dates.dateInferred}:${o.dates.dateOriginal}`)} vs ${short(e.date)}`);
    }
    if (e.authors !== undefined) {
      const exp = e.authors.map((a) => textOf(personName(a) ?? a)).filter(Boolean);
      check.field('author', exp.every((a) => o.authors.includes(a)), () => `${at} ${short(o.authors)} vs ${short(exp)}`);
    }
    if (e.categories !== undefined) {
      // Compared as case-insensitive sets: Marquee merges "Tech" and "tech" into one category.
      const exp = [...new Set(e.categories.map((c) => textOf(c).toLowerCase()).filter(Boolean))];
      const ours = o.categories.map((c) => c.toLowerCase());
      const ok = exp.length === ours.length && exp.every((c) => ours.includes(c));
      check.field('categories', ok, () => `${at} ${short(ours)} vs ${short(exp)}`);
    }
    if (e.contentText !== undefined) {
      const exp = textHead(e.contentText);
      const ours = textHead(o.contentHtml || o.summaryHtml);
      check.field('content', ours === exp, () => `${at} ${short(ours)} vs ${short(exp)}`);
    }
    if (e.summaryText !== undefined) {
      const exp = textHead(e.summaryText);
      const ours = textHead(o.summaryHtml);
      check.field('content', ours === exp, () => `${at} summary ${short(ours)} vs ${short(exp)}`);
    }
    if (e.enclosures !== undefined) {
      const ours = o.item.enclosures.map((x) => normUrl(x.url, base(o)));
      const exp = e.enclosures.map((x) => normUrl(x, base(o)));
      check.field('enclosures', exp.length === ours.length && exp.every((x, k) => x === ours[k]), () => `${at} ${short(ours)} vs ${short(exp)}`);
    }
    if (e.image !== undefined) {
      const exp = e.image === null ? null : normUrl(e.image, base(o));
      check.field('image', normUrl(o.image) === exp, () => `${at} ${short(o.image)} vs ${short(exp)}`);
    }
  }
}

export function rel(path: string): string {
  return relative(FEEDS, path);
}

export function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function pct(agree: number, total: number): string {
  return total ? `${((100 * agree) / total).toFixed(1)}%` : 'n/a';
}

export function summarize(s: SuiteResult): { agree: number; compared: number; excluded: number } {
  const agree = s.cases.filter((c) => c.status === 'agree').length;
  const excluded = s.cases.filter((c) => c.status === 'excluded').length;
  return { agree, compared: s.cases.length - excluded, excluded };
}

export function report(suites: SuiteResult[]): string {
  const lines: string[] = [];
  lines.push('suite          agree / compared   (excluded)   per field');
  for (const s of suites) {
    const { agree, compared, excluded } = summarize(s);
    const fields = Object.entries(s.fields).map(([k, v]) => `${k} ${v.agree}/${v.total}`).join(', ');
    lines.push(`${s.name.padEnd(14)} ${String(agree).padStart(5)} / ${String(compared).padEnd(5)} ${pct(agree, compared).padStart(7)}  (${excluded})  ${fields}`);
  }
  for (const s of suites) {
    const bad = s.cases.filter((c) => c.status === 'disagree');
    if (!bad.length) continue;
    lines.push('', `${s.name}: ${bad.length} disagreements`);
    for (const c of bad) lines.push(`  ${c.id}: ${c.reasons.join(' | ')}`);
  }
  return lines.join('\n');
}
