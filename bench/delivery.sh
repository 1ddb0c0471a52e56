#!/bin/sh
# delivery.sh — messages from the outbox to a local HTTP server (nginx from
# Debian), as a ratio to wrk against the same server in the same run. Each
# message is a committed outbox row, signed and sent through the webhook
# channel to one of 1 000 groups (one request at a time per group, as a
# group must see its messages in order); each outcome is committed before
# it counts (outcomes group-committed). Target: ratio ≥ 0.45.
# Usage: sh bench/delivery.sh [QUN] [N]
set -eu
. "$(dirname "$0")/lib.sh"
N=${2:-100000}
CONNS=${CONNS:-64}
PORT=18493
nginx_start $PORT

cat >"$TMP/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Idempotency-Key"] = "1/load@0#12345/group:g345"
wrk.headers["X-Qun-Signature"] = "sha256=0d1f7c2b8e3a4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c"
wrk.body = '{"id":"1/load@0#12345/group:g345","to":"group:g345","member":null,"msg":{"text":"第 12345 条:周六晚8点开抢"}}'
LUA
limit=$(wrk_rate "http://127.0.0.1:$PORT/qun" "$CONNS" 5s "$TMP/post.lua")

# Ours: jobs queue N messages over 1 000 groups (5 000 a job: a handler
# has an instruction budget); the clock starts once the daemon runs and
# stops when all are sent.
cat >"$TMP/burst.lua" <<'LUA'
playbook { name = "burst", version = "1.0.0", params = { n = { type = "integer", default = 1000 } } }
function jobs.burst(a)
  for i = a.from, a.to do send("g" .. (i % 1000 + 1), "第 {i} 条:周六晚8点开抢", { i = i }) end
end
for from = 1, params.n, 5000 do
  schedule.after(0, jobs.burst, { from = from, to = math.min(from + 4999, params.n) })
end
LUA
cat >"$TMP/team.lua" <<LUA
channels = { hook = { type = "webhook", url = "http://127.0.0.1:$PORT/qun", secret = "bench-secret" } }
groups = {}
for i = 1, 1000 do groups["g" .. i] = { channel = "hook" } end
LUA
sent() {
  kill -0 "$daemon" 2>/dev/null || { cat "$TMP/err" >&2; echo "bench: qun run stopped" >&2; exit 1; }
  [ "$("$QUN" status --db "$TMP/q.db" --json | awk -F': ' '/"sent"/ { gsub(/,/, "", $2); print $2 }')" -ge "$N" ]
}
"$QUN" run "$TMP/burst.lua" --config "$TMP/team.lua" --db "$TMP/q.db" --set n="$N" 2>"$TMP/err" &
daemon=$!
pids="$pids $daemon"
wait_for grep -q running "$TMP/err"
t0=$(now_ms)
wait_for sent
t1=$(now_ms)
ours=$(awk -v n="$N" -v ms=$((t1 - t0)) 'BEGIN { printf "%.0f", n * 1000 / ms }')
result delivery "$ours" "$limit" "msg/s" ">=" 0.45
echo "  ($N signed webhook messages to 1000 groups over keep-alive HTTP, outcomes committed; limit: wrk -c$CONNS POST to the same nginx)"
