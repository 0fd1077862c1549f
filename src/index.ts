/**
 * The Worker entry: wiring only. `fetch` is the hono app; `scheduled` hands
 * the cron run to the orchestrator with the controller's scheduled time as
 * "now", so a run's view of time is the cron's, not the wall clock's; `queue`
 * hands fan-out batches (only sent when a FETCH_QUEUE binding exists) to the
 * orchestrator's consumer. `Catalog` is the Durable Object class that holds
 * the catalog (wrangler.toml binds it as CATALOG).
 */
import { createApp } from './app';
import { loadConfig, type Env } from './config';
import type { RunSummary } from './model';
import { consumeFanout, refresh, type FanoutMessage, type FanoutQueue, type RefreshDeps } from './refresh';
import { catalogOf } from './store/object';

export { Catalog } from './store/object';

const app = createApp();

function deps(env: Env): RefreshDeps {
  return {
    catalog: catalogOf(env),
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
    config: loadConfig(env),
    clock: () => Date.now(),
    queue: (env.FETCH_QUEUE as FanoutQueue | undefined) ?? null,
  };
}

/** One structured line per run (Workers Logs): what it did and what it cost. */
export function runLogLine(s: RunSummary): string {
  const errorsByCode: Record<string, number> = {};
  for (const e of s.errors) errorsByCode[e.code] = (errorsByCode[e.code] ?? 0) + 1;
  return JSON.stringify({
    run: s.trigger, ms: s.durationMs, fetched: s.sourcesFetched, notModified: s.notModified, parsed: s.parsed, new: s.newEntries,
    updated: s.updatedEntries, stories: s.stories, storiesTouched: s.storiesTouched, failed: s.failed, errorsByCode, deferred: s.sourcesDeferred,
    queued: s.sourcesQueued, subrequests: s.subrequests, retries: s.retries, kvWrites: s.kvWrites, sqlRowsWritten: s.sqlRowsWritten,
  });
}

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(refresh(deps(env), new Date(controller.scheduledTime), { trigger: 'cron' }).then((s) => console.log(runLogLine(s))));
  },
  async queue(batch, env) {
    const r = await consumeFanout(deps(env), batch.messages as ReadonlyArray<Message<FanoutMessage>>);
    console.log(JSON.stringify({ run: 'fanout', sources: r.sources, subrequests: r.subrequests, failedMessages: r.failedMessages }));
  },
} satisfies ExportedHandler<Env>;
