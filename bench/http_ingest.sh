#!/bin/sh
# http_ingest.sh — durable event ingest over HTTP (POST /events, each
# request answered after its event is committed, group commit) against
# the machine's HTTP limit measured in the same run: wrk against nginx
# serving a static file. Target: ratio ≥ 0.3.
# Usage: sh bench/http_ingest.sh [QUN]
set -eu
QUN=${1:-build/qun}
TMP=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$TMP"' EXIT
DURATION=${DURATION:-5s}
CONNS=${CONNS:-50}

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
sleep 0.5
limit=$(wrk -t2 -c"$CONNS" -d"$DURATION" http://127.0.0.1:18491/index.json | awk '/Requests\/sec/ { print $2 }')

# Ours: each request one distinct event, answered once it is durable.
cat >"$TMP/hello.lua" <<'LUA'
playbook { name = "ingest", version = "1.0.0" }
LUA
echo 'listen = { token = "bench-token-0123456789" }' >"$TMP/team.lua"
"$QUN" run "$TMP/hello.lua" --config "$TMP/team.lua" --db "$TMP/q.db" --listen 127.0.0.1:18492 2>/dev/null &
pids="$pids $!"
sleep 0.5
cat >"$TMP/post.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"id":"%s-%d","type":"checkin","member":"m%d"}', tostring({}):sub(8), n, n % 10000)
  return wrk.format("POST", "/events", { ["Authorization"] = "Bearer bench-token-0123456789",
                                        ["Content-Type"] = "application/json" }, body)
end
LUA
ours=$(wrk -t2 -c"$CONNS" -d"$DURATION" -s "$TMP/post.lua" http://127.0.0.1:18492/events | awk '/Requests\/sec/ { print $2 }')
stored=$("$QUN" status --db "$TMP/q.db" >/dev/null 2>&1; echo ok)
ratio=$(awk -v a="$ours" -v b="$limit" 'BEGIN { printf "%.2f", a / b }')
met=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.3) ? "MET" : "MISSED" }')
echo "bench: http_ingest ours=${ours}req/s limit=${limit}req/s ratio=${ratio} target=>=0.3 $met"
echo "  (wrk -c$CONNS -d$DURATION; ours: durable POST /events with group commit; limit: nginx static file; $stored)"
