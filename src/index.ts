/**
 * The Worker entry: wiring only. `fetch` is the hono app; `scheduled` hands
 * the cron run to the orchestrator with the controller's scheduled time as
 * "now", so a run's view of time is the cron's, not the wall clock's; `queue`
 * hands fan-out batches (only sent when a FETCH_QUEUE binding exists) to the
 * orchestrator's consumer.
 */
import { createApp } from './app';
import { loadConfig, type Env } from './config';
import { consumeFanout, refresh, type FanoutMessage, type FanoutQueue, type RefreshDeps } from './refresh';
import { Store } from './store';

const app = createApp();

function deps(env: Env): RefreshDeps {
  return {
    store: new Store(env.MARQUEE_KV),
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
    config: loadConfig(env),
    clock: () => Date.now(),
    queue: (env.FETCH_QUEUE as FanoutQueue | undefined) ?? null,
  };
}

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(
      refresh(deps(env), new Date(controller.scheduledTime), { trigger: 'cron' }).then((s) =>
        console.log(JSON.stringify({
          run: 'cron', fetched: s.sourcesFetched, parsed: s.parsed, notModified: s.notModified, new: s.newEntries, failed: s.failed,
          deferred: s.sourcesDeferred, queued: s.sourcesQueued, subrequests: s.subrequests, kvWrites: s.kvWrites, ms: s.durationMs,
        })),
      ),
    );
  },
  async queue(batch, env) {
    const r = await consumeFanout(deps(env), batch.messages as ReadonlyArray<Message<FanoutMessage>>);
    console.log(JSON.stringify({ run: 'fanout', sources: r.sources, subrequests: r.subrequests, failedMessages: r.failedMessages }));
  },
} satisfies ExportedHandler<Env>;
