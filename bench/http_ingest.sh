#!/bin/sh
# http_ingest.sh — durable event ingest over HTTP (POST /events, each
# request answered after its event is committed with synchronous = FULL,
# group commit) against the machine's HTTP limit measured in the same run:
# wrk against nginx serving a small static file, with the same wrk
# settings.
# Target: ratio ≥ 0.3.
#
# Both sides are measured at each number of connections in CONNS (the
# same -c for nginx and for us), one result line for each.
# Each of our runs starts from an empty database.
# Usage: sh bench/http_ingest.sh [QUN]
#   CONNS="50 256" (default), DURATION=5s, THREADS=2
set -eu
. "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-5s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-50 256}
nginx_start 18491

# Ours: each request one distinct event (its own id), answered once durable.
cat >"$TMP/hello.lua" <<'LUA'
playbook { name = "ingest", version = "1.0.0" }
LUA
echo 'listen = { token = "bench-token-0123456789" }' >"$TMP/team.lua"
cat >"$TMP/post.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"id":"%s-%d","type":"checkin","member":"m%d"}', tostring({}):sub(8), n, n % 10000)
  return wrk.format("POST", "/events", { ["Authorization"] = "Bearer bench-token-0123456789",
                                        ["Content-Type"] = "application/json" }, body)
end
LUA
# errors FILE: what wrk counted as failed
errors() { awk '/Non-2xx|Socket errors/ { sub(/^ +/, ""); printf "%s; ", $0 }' "$1"; }

for c in $CONNS; do
  limit=$(wrk_rate http://127.0.0.1:18491/index.json "$c" "$DURATION")
  rm -f "$TMP"/q.db*
  "$QUN" run "$TMP/hello.lua" --config "$TMP/team.lua" --db "$TMP/q.db" --listen 127.0.0.1:18492 2>"$TMP/qun.err" &
  qun_pid=$!
  pids="$pids $qun_pid"
  wait_for grep -q "events at" "$TMP/qun.err"
  wrk -t"$THREADS" -c"$c" -d"$DURATION" -s "$TMP/post.lua" http://127.0.0.1:18492/events >"$TMP/ours.out"
  kill "$qun_pid"
  wait "$qun_pid" || { echo "bench: qun run failed:"; cat "$TMP/qun.err"; exit 1; }
  ours=$(awk '/Requests\/sec/ { print $2 }' "$TMP/ours.out")
  result "http_ingest_c$c" "$ours" "$limit" req/s ">=" 0.3
  echo "  (wrk -t$THREADS -c$c -d$DURATION for both; ours: durable POST /events, synchronous=FULL, pipelined group commit; limit: nginx serving a static file)"
  e=$(errors "$TMP/ours.out"); [ -z "$e" ] || echo "  (wrk counted for ours: $e)"
done
