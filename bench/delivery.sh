#!/bin/sh
# delivery.sh — messages from the outbox to a local HTTP server (nginx from
# Debian answering as a WeCom robot), as a ratio to wrk against the same
# server in the same run. Each message is a committed outbox row; each
# outcome is committed before it counts (outcomes group-committed).
# Target: ratio ≥ 0.45.
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
wrk.body = '{"msgtype":"text","text":{"content":"第 12345 条:周六晚8点开抢"}}'
LUA
limit=$(wrk_rate "http://127.0.0.1:$PORT/cgi-bin/webhook/send?key=bench" "$CONNS" 5s "$TMP/post.lua")

# Ours: one handler queues N messages to one robot (its rate limit lifted);
# the clock starts once the daemon runs and stops when all are sent.
cat >"$TMP/burst.lua" <<'LUA'
playbook { name = "burst", version = "1.0.0", params = { n = { type = "integer", default = 1000 } } }
for i = 1, params.n do send("g1", "第 {i} 条:周六晚8点开抢", { i = i }) end
LUA
cat >"$TMP/team.lua" <<LUA
channels = { wx = { type = "wecom", key = "bench", base_url = "http://127.0.0.1:$PORT", rate = "100000/s" } }
groups = { g1 = { channel = "wx" } }
LUA
sent() { [ "$("$QUN" status --db "$TMP/q.db" --json | awk -F': ' '/"sent"/ { gsub(/,/, "", $2); print $2 }')" -ge "$N" ]; }
"$QUN" run "$TMP/burst.lua" --config "$TMP/team.lua" --db "$TMP/q.db" --set n="$N" 2>"$TMP/err" &
pids="$pids $!"
wait_for grep -q running "$TMP/err"
t0=$(now_ms)
wait_for sent
t1=$(now_ms)
ours=$(awk -v n="$N" -v ms=$((t1 - t0)) 'BEGIN { printf "%.0f", n * 1000 / ms }')
result delivery "$ours" "$limit" "msg/s" ">=" 0.45
echo "  ($N messages to one robot over keep-alive HTTP, outcomes committed; limit: wrk -c$CONNS POST to the same nginx)"
