#!/bin/sh
# http_ingest.sh — durable event ingest over HTTP (POST /events, each
# request answered after its event is committed with synchronous = FULL,
# group commit) against the machine's HTTP limit measured in the same run:
# wrk against nginx serving a static file, with the same wrk settings.
# Target: ratio ≥ 0.3.
#
# Both sides are measured at each number of connections in CONNS (the
# same -c for nginx and for us); the last line is for the last of them.
# Each of our runs starts from an empty database.
# Usage: sh bench/http_ingest.sh [QUN]
#   CONNS="50 256" (default), DURATION=5s, THREADS=2
set -eu
QUN=${1:-build/qun}
TMP=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$TMP"' EXIT
DURATION=${DURATION:-5s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-50 256}

# The limit: nginx, one worker per core, a small static file.
mkdir -p "$TMP/www" "$TMP/nginx"
echo '{"ok":true}' >"$TMP/www/index.json"
cat >"$TMP/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx;
  proxy_temp_path $TMP/nginx;
  fastcgi_temp_path $TMP/nginx;
  uwsgi_temp_path $TMP/nginx;
  scgi_temp_path $TMP/nginx;
  server { listen 127.0.0.1:18491; root $TMP/www; }
}
CONF
/usr/sbin/nginx -c "$TMP/nginx.conf" -p "$TMP" &
pids="$pids $!"

# until_file FILE PATTERN: waits (up to 10 s) until FILE has PATTERN
until_file() {
  i=0
  until grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 100 ] || { echo "bench: timed out waiting for $1"; exit 1; }
    sleep 0.1
  done
}

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
until_file "$TMP/nginx.pid" .

# rate FILE: requests/s from wrk's output; errors FILE: what wrk counted as failed
rate() { awk '/Requests\/sec/ { print $2 }' "$1"; }
errors() { awk '/Non-2xx|Socket errors/ { sub(/^ +/, ""); printf "%s; ", $0 }' "$1"; }

for c in $CONNS; do
  wrk -t"$THREADS" -c"$c" -d"$DURATION" http://127.0.0.1:18491/index.json >"$TMP/limit.out"
  limit=$(rate "$TMP/limit.out")
  rm -f "$TMP"/q.db*
  "$QUN" run "$TMP/hello.lua" --config "$TMP/team.lua" --db "$TMP/q.db" --listen 127.0.0.1:18492 2>"$TMP/qun.err" &
  qun_pid=$!
  pids="$pids $qun_pid"
  until_file "$TMP/qun.err" "events at"
  wrk -t"$THREADS" -c"$c" -d"$DURATION" -s "$TMP/post.lua" http://127.0.0.1:18492/events >"$TMP/ours.out"
  kill "$qun_pid"
  wait "$qun_pid" || { echo "bench: qun run failed:"; cat "$TMP/qun.err"; exit 1; }
  ours=$(rate "$TMP/ours.out")
  ratio=$(awk -v a="$ours" -v b="$limit" 'BEGIN { printf "%.2f", a / b }')
  echo "  -c$c: ours ${ours} req/s, nginx ${limit} req/s, ratio ${ratio} $(errors "$TMP/ours.out")"
done

met=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.3) ? "MET" : "MISSED" }')
echo "  (wrk -t$THREADS -c$c -d$DURATION for both; ours: durable POST /events, synchronous=FULL, pipelined group commit; limit: nginx static file)"
echo "bench: http_ingest ours=${ours}req/s limit=${limit}req/s ratio=${ratio} target=>=0.3 $met"
