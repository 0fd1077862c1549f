/**
 * The Worker entry: wiring only. `fetch` is the hono app; `scheduled` hands
 * the cron run to the orchestrator with the controller's scheduled time as
 * "now", so a run's view of time is the cron's, not the wall clock's.
 */
import { createApp } from './app';
import { loadConfig, type Env } from './config';
import { refresh } from './refresh';
import { Store } from './store';

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    const deps = { store: new Store(env.MARQUEE_KV), fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), config: loadConfig(env), clock: () => Date.now() };
    ctx.waitUntil(
      refresh(deps, new Date(controller.scheduledTime), { trigger: 'cron' }).then(
        (s) => console.log(JSON.stringify({ run: 'cron', fetched: s.sourcesFetched, new: s.newEntries, failed: s.failed, kvWrites: s.kvWrites, ms: s.durationMs })),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
