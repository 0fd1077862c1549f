/**
 * Story ranking for `sort=top`, pure. What a story is worth is how many
 * outlets cover it and how fresh that coverage is, the way Techmeme and
 * Google News lead with what many outlets report:
 *
 *   weight  w = outlets + momentumWeight × (recent outlets − 1)
 *   score   s = w × 2^(−age / halfLife)        age = revision time − newest article
 *
 * - `outlets` counts distinct sources among the story's primary members: a
 *   merged copy (the same text, syndicated or re-published) never counts, and
 *   neither does a second article from the same outlet.
 * - `recent outlets` (momentum) counts the outlets that published within
 *   `momentumHours` before the story's newest article: five outlets in one
 *   afternoon outrank five spread over three days. It is at least 1 (the
 *   newest article's own outlet), so a single-outlet story weighs exactly 1.
 * - the age is measured from the publication time of the newest member, so a
 *   source added with a backlog of old items does not make them fresh.
 *
 * Because the decay is exponential, `log2 s = (rank − ref) / halfLife` with
 *
 *   rank = newest article's time + halfLife × log2(w)
 *
 * a key that does not depend on the reference time at all (Reddit's "hot"
 * ordering has the same property). It is stored with the story and indexed,
 * so ordering is a keyset query and a page and its `next_url` always agree;
 * the reference time only matters for which stories are top candidates and
 * for the score shown. Every constant is in config.ts RANKING.
 *
 * `sort=top` is two tiers: first the top stories (at least `minOutlets`
 * outlets, newest coverage first seen within `horizonHours` of the revision),
 * by rank; then every other story, newest first (the `sort=latest` order).
 */
import { RANKING } from './config';
import type { Story, StoredEntry } from './model';

const HOUR = 3_600_000;
const HALF_LIFE_MS = RANKING.halfLifeHours * HOUR;

/** Distinct outlets, and those of them that published within momentumHours before the newest article. */
export function coverageOf(primaries: Array<Pick<StoredEntry, 'sourceId' | 'published'>>, updated: string): { outlets: number; momentum: number } {
  const since = Date.parse(updated) - RANKING.momentumHours * HOUR;
  const all = new Set<string>();
  const recent = new Set<string>();
  for (const e of primaries) {
    all.add(e.sourceId);
    if (Date.parse(e.published) >= since) recent.add(e.sourceId);
  }
  return { outlets: all.size, momentum: Math.max(1, recent.size) };
}

export function weightOf(outlets: number, momentum: number): number {
  return Math.max(1, outlets) + RANKING.momentumWeight * (Math.max(1, momentum) - 1);
}

/** The stored ordering key, in epoch milliseconds: the newest article's time advanced by halfLife × log2(weight). */
export function rankKey(updated: string, outlets: number, momentum: number): number {
  return Math.round(Date.parse(updated) + HALF_LIFE_MS * Math.log2(weightOf(outlets, momentum)));
}

/** The score at `refMs` (weight × decay), from the key alone. 0 when it is too small for a double. */
export function scoreAt(rank: number, refMs: number): number {
  return 2 ** ((rank - refMs) / HALF_LIFE_MS);
}

/** The earliest first-seen time a top story's newest coverage may have, for a revision at `refMs`. */
export function horizonStart(refMs: number): string {
  return new Date(refMs - RANKING.horizonHours * HOUR).toISOString();
}

export function isTopStory(s: Pick<Story, 'outlets' | 'seen'>, refMs: number): boolean {
  return s.outlets >= RANKING.minOutlets && s.seen >= horizonStart(refMs);
}

/** Why a story ranks where it does, as /stories.json shows it. */
export interface Ranking {
  top: boolean;
  outlets: number;
  momentum: number;
  /** weight × decay at the revision time, 6 significant digits. */
  score: number;
  /** The key as a time: the story ranks like a single-outlet story published then. */
  rankedAs: string;
}

export function rankingOf(s: Story, refMs: number): Ranking {
  return {
    top: isTopStory(s, refMs),
    outlets: s.outlets,
    momentum: s.momentum,
    score: Number(scoreAt(s.rank, refMs).toPrecision(6)),
    rankedAs: new Date(s.rank).toISOString(),
  };
}
