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

export default {
  fetch: app.fetch,
  // Every run writes its own structured log line (refresh.ts runLogLine).
  scheduled(controller, env, ctx) {
    ctx.waitUntil(refresh(deps(env), new Date(controller.scheduledTime), { trigger: 'cron' }));
  },
  async queue(batch, env) {
    const r = await consumeFanout(deps(env), batch.messages as ReadonlyArray<Message<FanoutMessage>>);
    console.log(JSON.stringify({ run: 'fanout', sources: r.sources, subrequests: r.subrequests, failedMessages: r.failedMessages }));
  },
} satisfies ExportedHandler<Env>;
