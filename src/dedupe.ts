/**
 * Duplicate detection: decides, for each new entry, whether it is a copy of
 * an article we already hold. The same source + guid is the same entry (its id
 * says so; catalog.ts handles it). Across sources an entry is a duplicate when
 * its canonical URL matches another entry's, ignoring scheme and `www.`
 * (Feedbin support #431, Miniflux #1366).
 *
 * FIXME(#5): syndicated and spun near-duplicates.
 */
import type { StoredEntry } from './store';
import { urlMatchKey } from './normalize/url';

export interface DuplicateMatch {
  primaryId: string;
  reason: 'url' | 'near';
}

export interface DedupeState {
  v: 1;
}

export class DuplicateIndex {
  private readonly byUrl = new Map<string, string>();

  constructor(entries: Iterable<StoredEntry>, _state: DedupeState | null) {
    for (const e of entries) this.add(e);
  }

  /** The primary this entry duplicates, if any. Entries from the same source are never merged. */
  match(e: Pick<StoredEntry, 'id' | 'sourceId' | 'url'>, sourceOf: (id: string) => string | undefined): DuplicateMatch | null {
    const key = urlMatchKey(e.url);
    if (!key) return null;
    const hit = this.byUrl.get(key);
    if (hit && hit !== e.id && sourceOf(hit) !== e.sourceId) return { primaryId: hit, reason: 'url' };
    return null;
  }

  /** Record an entry (a primary, or a copy pointing at its primary). */
  add(e: Pick<StoredEntry, 'id' | 'url' | 'dupOf'>): void {
    const key = urlMatchKey(e.url);
    if (key && !this.byUrl.has(key)) this.byUrl.set(key, e.dupOf ?? e.id);
  }

  state(): DedupeState {
    return { v: 1 };
  }
}
