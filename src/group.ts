/**
 * Related-story grouping, online: each new primary entry joins an existing
 * story or starts one; the whole window is never re-clustered. Pure and
 * deterministic for the same input order. A story id is derived from the
 * entry that started it, so ids are stable across runs.
 *
 * FIXME(#5): this first version groups exact normalized titles only.
 */
import { hash64 } from './hash';
import type { StoredEntry } from './store';

export interface GroupState {
  v: 1;
}

export interface Placement {
  storyId: string;
  /** Stories that this placement merged into `storyId` (their entries must be relabelled). */
  merged: string[];
}

export function storyIdFor(entryId: string): string {
  return `st_${hash64(entryId).slice(0, 14)}`;
}

function titleKey(title: string): string {
  return title.toLowerCase().normalize('NFKC').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

export class StoryIndex {
  private readonly byTitle = new Map<string, string>();

  constructor(entries: Iterable<StoredEntry>, _state: GroupState | null, _opts: { windowHours: number; now: Date }) {
    for (const e of entries) if (!e.dupOf && e.storyId) this.remember(e, e.storyId);
  }

  private remember(e: Pick<StoredEntry, 'title'>, storyId: string) {
    const k = titleKey(e.title);
    if (k && !this.byTitle.has(k)) this.byTitle.set(k, storyId);
  }

  place(e: Pick<StoredEntry, 'id' | 'title' | 'published' | 'sourceId'>): Placement {
    const k = titleKey(e.title);
    const hit = k ? this.byTitle.get(k) : undefined;
    const storyId = hit ?? storyIdFor(e.id);
    this.remember(e, storyId);
    return { storyId, merged: [] };
  }

  state(): GroupState {
    return { v: 1 };
  }
}
