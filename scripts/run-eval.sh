#!/usr/bin/env bash
# Score Marquee's dedupe and story grouping through the HTTP API of a fresh local instance
# (its own port, its own empty KV), with the data in test/fixtures/eval (no ../shared needed):
#
#   npm run eval                     the UCI headline dev set (B-cubed, pairwise)
#   npm run eval -- real             the labeled real-feed dev set (pairwise P/R, impure stories,
#                                    false duplicate merges, worst impure stories, spread)
#   npm run eval -- spun [HOURS]     spun copies of real articles (scripts/make-spun-set.py),
#                                    published HOURS (default 3) after their originals
#   npm run eval -- offline real|uci|spun [...]
#                                    the same sets replayed in process, no Worker (seconds)
#   npm run eval -- offline floors   the CI gate: all three offline, exit 1 under a floor
#
# Add --check to exit 1 when a figure is under its floor (scripts/eval/score.ts FLOORS).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-uci}
if [ "$MODE" = offline ]; then
  shift
  exec node --import tsx scripts/eval/offline.ts "$@"
fi
[ $# -gt 0 ] && shift
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=${PORT:-$(free_port)}
STATE=$(mktemp -d)
TOKEN="eval-$(date +%s)-$$"
MARQUEE_ADMIN_TOKEN=$TOKEN node scripts/start.mjs --port "$PORT" --persist-to "$STATE/kv" >"$STATE/wrangler.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$STATE"' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "eval: the local instance did not start"; tail -20 "$STATE/wrangler.log"; exit 2; }
MARQUEE_ADMIN_TOKEN=$TOKEN node --import tsx scripts/eval/http.ts "http://127.0.0.1:$PORT" "$MODE" "$@"
