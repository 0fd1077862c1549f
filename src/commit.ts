/**
 * The writer's half of a run: applying fetch outcomes to the catalog, inside
 * the single writer (store/object.ts) and one SQLite transaction, reading top
 * to bottom as
 *
 *   for each source: drop stale results -> merge entries -> health transition
 *   -> dedupe -> group -> store entries and stories -> retain -> revision
 *
 * Health transitions are computed here, from the state as it is at commit
 * time, not from the state a run read when it planned: a resume, a source
 * list change or another run's commit that happened in between is kept, and
 * validators are saved in the same transaction as the entries they vouch for.
 * Everything is idempotent: committing the same outcome twice stores nothing
 * new.
 *
 * Retention is bounded per commit (RETENTION_BATCH entries), so one commit's
 * cost follows what changed, not what is stored; a backlog is worked off by
 * the next commits.
 */
import { mergeEntry, promoteCopy, storyOf } from './catalog';
import type { RunConfig } from './config';
import type { GroupOptions } from './group';
import { freshState, onFailure, onSuccess } from './health';
import { clearTextMemos } from './features';
import type { Entry, EntryBodies, RunSummary, Source, SourceOutcome, SourceState, StoredEntry } from './model';
import { urlMatchKey } from './normalize/url';
import { forgetEntries, placeBatch } from './placement';
import { itemKeyOf, type CatalogDb } from './store/db';
import { SqlGroupingState } from './store/grouping-sql';
import { onDiscovered, toUnsubscribe } from './websub-state';

type Incoming = Entry & { fullText: string };

export interface CommitInput {
  now: string;
  trigger: RunSummary['trigger'];
  outcomes: SourceOutcome[];
}

/** What one commit did; a run adds these up into its RunSummary. */
export interface CommitReport {
  /** Outcomes dropped because their source was removed or re-pointed meanwhile. */
  dropped: string[];
  newEntries: number;
  updatedEntries: number;
  duplicates: number;
  duplicatesBy: Record<string, number>;
  storiesTouched: number;
  entriesExpired: number;
  /** The catalog changed (a new revision was made). */
  changed: boolean;
}

/** Entries removed by retention in one commit, at most. */
export const RETENTION_BATCH = 2_000;

export function emptyReport(): CommitReport {
  return { dropped: [], newEntries: 0, updatedEntries: 0, duplicates: 0, duplicatesBy: {}, storiesTouched: 0, entriesExpired: 0, changed: false };
}

export function commit(db: CatalogDb, cfg: RunConfig, input: CommitInput): CommitReport {
  const now = new Date(input.now);
  const report = emptyReport();
  const added: Incoming[] = [];
  const updated: Incoming[] = [];
  for (const o of input.outcomes) applyOutcome(db, cfg, o, now, input.trigger, report, added, updated);
  const repo = new SqlGroupingState(db.sql);
  if (added.length || updated.length) {
    placeAndStore(db, repo, cfg, added, updated, report, now);
    report.changed = true;
  }
  retain(db, cfg, now, repo, report);
  if (report.changed) bumpRevision(db, now);
  // The object's isolate outlives the commit: what the text memos hold is of no use to the next one.
  clearTextMemos();
  return report;
}

/** The state a source's next transition starts from: its saved state (read here unless given), or a fresh one. */
export function currentState(db: CatalogDb, source: Source, cfg: RunConfig, saved: SourceState | null = db.state(source.id)): SourceState {
  return saved && saved.configuredUrl === source.url ? saved : freshState(source, cfg);
}

function applyOutcome(
  db: CatalogDb, cfg: RunConfig, o: SourceOutcome, now: Date, trigger: RunSummary['trigger'], report: CommitReport, added: Incoming[], updated: Incoming[],
): void {
  const source = db.source(o.id);
  if (!source || source.url !== o.configuredUrl) {
    report.dropped.push(o.id);
    return;
  }
  if (o.kind === 'deferred') return;
  const prev = currentState(db, source, cfg);
  if (o.kind === 'pushed') {
    // A push says nothing about polling (validators, schedule, failures): only that entries changed.
    if (mergeIncoming(db, o, now, added, updated)) db.saveState({ ...prev, lastChangeAt: now.toISOString() }, now);
    return;
  }
  const changed = o.kind === 'parsed' ? mergeIncoming(db, o, now, added, updated) : 0;
  if (o.kind === 'parsed' && cfg.publicUrl) discoverHubs(db, o, now);
  const t = o.kind === 'failed' || !o.success
    ? onFailure(prev, o.failure ?? { code: 'INTERNAL', stage: 'refresh', message: 'refresh: outcome without a result', status: null, retryAfterSeconds: null }, now, cfg)
    : onSuccess(prev, {
      ...o.success,
      parsed: o.success.parsed ? { ...o.success.parsed, changedEntries: changed } : undefined,
      warning: o.warnings.length ? { code: o.warnings[0].code, stage: 'normalize', message: warningText(o), at: now.toISOString() } : null,
    }, now, cfg);
  // A manual refresh fetches off the schedule: recording when keeps the next cron run from
  // polling the same source again before its interval has passed.
  if (t.hard || trigger === 'manual' || heartbeatDue(db.stateSavedAt(o.id), now, cfg)) db.saveState(t.state, now);
}

/** WebSub §4: a fetched feed that advertises a hub gets a subscription (or loses one it no longer advertises). */
function discoverHubs(db: CatalogDb, o: SourceOutcome, now: Date): void {
  const p = o.success?.parsed;
  if (!p) return;
  for (const s of onDiscovered(db.subscriptionsOf(o.id), o.id, p.hubs ?? [], p.topic ?? null, now)) db.saveSubscription(s);
}

function warningText(o: SourceOutcome): string {
  const more = o.warnings.length > 1 ? ` (and ${o.warnings.length - 1} more)` : '';
  return `${o.warnings[0].message}${more}`;
}

function heartbeatDue(savedAt: string | null, now: Date, cfg: RunConfig): boolean {
  return !savedAt || now.getTime() - Date.parse(savedAt) >= cfg.healthHeartbeatMinutes * 60_000;
}

/**
 * Sort a parsed source's entries into new and updated ones (by its item key: the identity of the
 * item within its feed, so a renamed source keeps its entries). Items retention removed stay
 * removed. Returns how many entries are new or changed.
 */
function mergeIncoming(db: CatalogDb, o: SourceOutcome, now: Date, added: Incoming[], updated: Incoming[]): number {
  const keys = o.entries.map(itemKeyOf);
  const existing = db.existing(o.id, keys);
  const gone = db.tombstoned(o.id, keys.filter((k) => !existing.has(k)));
  let n = 0;
  o.entries.forEach((e, i) => {
    const old = existing.get(keys[i]);
    if (old) {
      const merged = mergeEntry(old.entry, e, now);
      if (merged) {
        updated.push(merged);
        n++;
      }
    } else if (!gone.has(keys[i])) {
      added.push(e);
      n++;
    }
  });
  return n;
}

/** Dedupe, then group, new entries oldest first (placement.ts: within a batch the earliest version is the primary); store everything. */
function placeAndStore(db: CatalogDb, repo: SqlGroupingState, cfg: RunConfig, added: Incoming[], updated: Incoming[], report: CommitReport, now: Date): void {
  const touched = new Set<string>();
  const placed = placeBatch(repo, added, groupOptions(cfg), (id) => db.entries([id])[0]?.storyId);
  // Stories that were stored before this commit and gain a member now: their coverage grew.
  const grown = new Set(db.stories([...new Set(placed.map((p) => p.storyId))]).map((s) => s.id));
  for (const p of placed) {
    const e = p.entry;
    e.storyId = p.storyId;
    e.dupOf = p.dupOf;
    e.joinReason = p.reason;
    if (p.dupOf) {
      report.duplicates++;
      const rule = p.reason?.rule ?? 'unknown';
      report.duplicatesBy[rule] = (report.duplicatesBy[rule] ?? 0) + 1;
    }
    if (p.merged.length) {
      db.moveStories(p.merged, p.storyId);
      for (const id of p.merged) touched.add(id);
    }
    touched.add(e.storyId);
    db.insertEntry(stored(e), urlMatchKey(e.url), bodiesOf(e));
  }
  for (const e of updated) {
    touched.add(e.storyId);
    db.updateEntry(stored(e), urlMatchKey(e.url), bodiesOf(e));
  }
  report.newEntries += added.length;
  report.updatedEntries += updated.length;
  report.storiesTouched += touched.size;
  refreshStories(db, touched, { ids: grown, at: now.toISOString() });
}

export function groupOptions(cfg: Pick<RunConfig, 'storyWindowHours'>): GroupOptions {
  return { windowHours: cfg.storyWindowHours };
}

function stored(e: Incoming): StoredEntry {
  const { summaryHtml: _s, contentHtml: _c, fullText: _f, ...rest } = e;
  return rest;
}

function bodiesOf(e: Incoming): EntryBodies {
  return [e.summaryHtml ?? '', e.contentHtml ?? ''];
}

/**
 * Recompute the story rows of these stories from their primary members. Those in `grown` gained
 * a member at `grown.at` (Story.grownAt); the others keep the time they last grew.
 */
export function refreshStories(db: CatalogDb, ids: Iterable<string>, grown: { ids: Set<string>; at: string } | null = null): void {
  const list = [...ids];
  const before = new Map(db.stories(list).map((s) => [s.id, s.grownAt]));
  for (const id of list) {
    const story = storyOf(id, db.primariesOf(id), grown?.ids.has(id) ? grown.at : before.get(id) ?? null);
    if (story) db.saveStory(story);
    else db.deleteStory(id);
  }
}

/**
 * Remove entries (retention, or a removed source). A removed primary's earliest copy takes its
 * place; the stories they belonged to are recomputed. With `tombstoneAt`, their feed cannot bring
 * them back as new.
 */
export function removeEntries(db: CatalogDb, repo: SqlGroupingState, cfg: Pick<RunConfig, 'storyWindowHours'>, entries: StoredEntry[], tombstoneAt: Date | null): void {
  if (!entries.length) return;
  const going = new Set(entries.map((e) => e.id));
  const primaries = entries.filter((e) => !e.dupOf).map((e) => e.id);
  const copies = db.copiesOf(primaries).filter((c) => !going.has(c.id));
  const byPrimary = new Map<string, StoredEntry[]>();
  for (const c of copies) byPrimary.set(c.dupOf!, [...(byPrimary.get(c.dupOf!) ?? []), c]);
  for (const list of byPrimary.values()) {
    const p = promoteCopy(list);
    if (!p) continue;
    db.setDupOf([p.primary], null);
    db.setDupOf(p.others, p.primary);
  }
  db.deleteEntries(entries, tombstoneAt);
  forgetEntries(repo, entries, groupOptions(cfg));
  refreshStories(db, new Set(entries.map((e) => e.storyId)));
}

/**
 * Retention: entries first seen more than RETENTION_DAYS ago go; then no source keeps more than
 * RETENTION_MAX_PER_SOURCE; then, above RETENTION_MAX_ENTRIES, the largest sources give up their
 * oldest entries first (evictionShares), so a flooding source cannot push the others out.
 */
function retain(db: CatalogDb, cfg: RunConfig, now: Date, repo: SqlGroupingState, report: CommitReport): void {
  let budget = RETENTION_BATCH;
  const cutoff = new Date(now.getTime() - cfg.retentionDays * 86_400_000).toISOString();
  const aged = db.firstSeenBefore(cutoff, budget);
  budget -= aged.length;
  const evict: StoredEntry[] = [...aged];
  const chosen = new Set(aged.map((e) => e.id));
  const largest = db.largestSources(1)[0];
  if (budget > 0 && largest && (largest.count > cfg.retentionMaxPerSource || db.totalEntries() - aged.length > cfg.retentionMaxEntries)) {
    for (const [id, n] of evictionShares(db.entryCounts(), aged, cfg.retentionMaxEntries, cfg.retentionMaxPerSource)) {
      if (budget <= 0) break;
      const want = Math.min(n, budget);
      const take = db.oldestOf(id, want + aged.length).filter((e) => !chosen.has(e.id)).slice(0, want);
      for (const e of take) chosen.add(e.id);
      evict.push(...take);
      budget -= take.length;
    }
  }
  if (!evict.length) return;
  removeEntries(db, repo, cfg, evict, now);
  db.pruneTombstones(new Date(now.getTime() - 2 * cfg.retentionDays * 86_400_000).toISOString());
  report.entriesExpired += evict.length;
  report.changed = true;
}

/**
 * How many entries each source must give up so that none holds more than `perSource` and all
 * together hold at most `max`: the excess is taken from the largest sources first, levelling
 * them down ("water-filling"), so a source with few entries loses none while a larger one can
 * give way. `aged` are already going and are subtracted first.
 */
export function evictionShares(counts: Map<string, number>, aged: Array<Pick<StoredEntry, 'sourceId'>>, max: number, perSource: number): Map<string, number> {
  const left = new Map(counts);
  for (const e of aged) left.set(e.sourceId, Math.max(0, (left.get(e.sourceId) ?? 0) - 1));
  const out = new Map<string, number>();
  for (const [id, n] of left) {
    if (n > perSource) {
      out.set(id, n - perSource);
      left.set(id, perSource);
    }
  }
  let excess = [...left.values()].reduce((a, b) => a + b, 0) - max;
  if (excess > 0) {
    const sorted = [...left].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    // Find the level L such that cutting every source above L down to L frees `excess` entries.
    let i = 0;
    let level = sorted[0][1];
    while (excess > 0) {
      while (i < sorted.length && sorted[i][1] >= level) i++;
      const next = i < sorted.length ? sorted[i][1] : 0;
      const room = (level - next) * i;
      if (room >= excess) {
        level -= Math.ceil(excess / i);
        excess = 0;
      } else {
        excess -= room;
        level = next;
      }
    }
    for (const [id, n] of sorted) if (n > level) out.set(id, (out.get(id) ?? 0) + n - level);
  }
  return new Map([...out].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

function bumpRevision(db: CatalogDb, now: Date): void {
  db.setMeta('rev', String(Number(db.meta('rev') ?? '0') + 1));
  db.setMeta('updated_at', now.toISOString());
}

/**
 * Replace the configured source list (PUT /admin/sources), as one transition:
 *
 *   - a source whose id is kept keeps its state and entries (a new URL restarts its polling state);
 *   - a removed source's WebSub subscriptions are switched to unsubscribe;
 *   - a source that disappears while a new id takes over its URL is renamed: state, validators and
 *     entries move to the new id (entry ids, which readers key on, stay as they were);
 *   - a source that disappears otherwise is removed with its entries: its copies elsewhere take
 *     over as primaries, so nothing stays credited to a source that is gone.
 *
 * Returns what happened to each changed id.
 */
export function replaceSources(db: CatalogDb, cfg: Pick<RunConfig, 'storyWindowHours'>, list: Source[], now: Date): { renamed: Array<[string, string]>; removed: string[] } {
  const old = db.sources();
  const keep = new Set(list.map((s) => s.id));
  const oldIds = new Set(old.map((s) => s.id));
  const newByUrl = new Map<string, string>();
  for (const s of list) if (!oldIds.has(s.id) && !newByUrl.has(s.url)) newByUrl.set(s.url, s.id);
  const renamed: Array<[string, string]> = [];
  const removed: string[] = [];
  for (const s of old) {
    if (keep.has(s.id)) continue;
    const to = newByUrl.get(s.url);
    if (to) {
      newByUrl.delete(s.url);
      db.renameSource(s.id, to);
      renamed.push([s.id, to]);
    } else {
      removeSourceEntries(db, cfg, s.id);
      db.deleteSource(s.id);
      // Its subscriptions stay until their hubs confirm the unsubscription (websub.ts).
      for (const sub of db.subscriptionsOf(s.id)) db.saveSubscription(toUnsubscribe(sub));
      removed.push(s.id);
    }
  }
  list.forEach((s, i) => db.upsertSource(s, i));
  db.setMeta('sources_updated_at', now.toISOString());
  // Titles and categories are part of every view: the next publish renders them.
  bumpRevision(db, now);
  return { renamed, removed };
}

function removeSourceEntries(db: CatalogDb, cfg: Pick<RunConfig, 'storyWindowHours'>, sourceId: string): void {
  const repo = new SqlGroupingState(db.sql);
  for (;;) {
    const batch = db.entries(db.idsOfSource(sourceId, 500).map((e) => e.id));
    if (!batch.length) return;
    removeEntries(db, repo, cfg, batch, null);
  }
}
