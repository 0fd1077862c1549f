#!/usr/bin/env bash
# Rebuild test/fixtures/v1/kv.json: the KV namespace of a v1 deployment (every key the v1 storage
# wrote), made by the v1 code itself at commit b3058dd: the fixture sources (test/support/
# fixture-sources.ts) ingested by two cron runs, 15 minutes apart. The fixture server's origin
# is replaced by http://__FIXTURE_ORIGIN__, which test/integration/upgrade-v1.test.ts puts back.
# Needs the git history and `npm ci` in this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
V1=b3058dd
WT=$(mktemp -d)
trap 'git worktree remove --force "$WT" >/dev/null 2>&1 || rm -rf "$WT"' EXIT
git worktree add -q "$WT" "$V1"
ln -s "$ROOT/node_modules" "$WT/node_modules"
cat > "$WT/test/integration/zz-dump.test.ts" <<'TS'
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { fixtureOrigin, putSources, resetFixtures, runCron } from '../support/worker';
import { fixtureSources } from '../support/fixture-sources';

it('dumps a v1 deployment', async () => {
  await resetFixtures();
  await putSources(fixtureSources(fixtureOrigin()));
  await runCron(new Date('2026-11-26T08:00:00Z'));
  await runCron(new Date('2026-11-26T08:15:00Z'));
  const kv = (env as unknown as { MARQUEE_KV: KVNamespace }).MARQUEE_KV;
  const out: Record<string, unknown> = {};
  for (const k of (await kv.list()).keys) out[k.name] = JSON.parse((await kv.get(k.name))!);
  console.log(`DUMPJSON${JSON.stringify(out).split(fixtureOrigin()).join('http://__FIXTURE_ORIGIN__')}`);
});
TS
(cd "$WT" && npx vitest run --project worker test/integration/zz-dump.test.ts) > "$WT/dump.log" 2>&1
python3 - "$WT/dump.log" "$ROOT/test/fixtures/v1/kv.json" <<'PY'
import json, sys
log = open(sys.argv[1], encoding='utf-8').read()
i = log.index('DUMPJSON') + len('DUMPJSON')
dump = json.loads(log[i:log.index('\n', i)])
json.dump(dump, open(sys.argv[2], 'w', encoding='utf-8'), sort_keys=True, ensure_ascii=False, separators=(',', ':'))
print(f"{sys.argv[2]}: {', '.join(sorted(dump))}")
PY
