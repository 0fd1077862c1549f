#!/usr/bin/env bash
# Score Marquee's dedupe and story grouping with ../shared/eval, through the HTTP API of a
# fresh local instance (its own port, its own empty KV):
#
#   npm run eval                       the labeled dev set (B-cubed F1, pairwise F1)
#   npm run eval -- spun [HOURS]       spun copies of real articles (scripts/make-spun-set.py),
#                                      published HOURS (default 3) after their originals
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL=../shared/eval
[ -x "$EVAL/run_eval.sh" ] || { echo "eval: $EVAL is absent"; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=${PORT:-$(free_port)}
STATE=$(mktemp -d)
TOKEN="eval-$(date +%s)-$$"
MARQUEE_ADMIN_TOKEN=$TOKEN node scripts/start.mjs --port "$PORT" --persist-to "$STATE/kv" >"$STATE/wrangler.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$STATE"' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
export MARQUEE_ADMIN_TOKEN=$TOKEN
if [ "${1:-}" = spun ]; then
  FPORT=$(free_port)
  python3 scripts/make-spun-set.py "$STATE/data" --port "$FPORT" --delay-hours "${2:-3}"
  python3 -m http.server "$FPORT" --bind 127.0.0.1 --directory "$STATE/data" >"$STATE/fixtures.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$FPORT/sources.json" >/dev/null && break; sleep 0.1; done
  "$EVAL/eval_marquee.sh" "http://127.0.0.1:$PORT" "$STATE/data"
else
  "$EVAL/run_eval.sh" "http://127.0.0.1:$PORT" "$@"
fi
