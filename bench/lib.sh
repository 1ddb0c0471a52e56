# lib.sh — what the benchmarks share (sourced; POSIX sh): a scratch
# directory cleaned on exit, nginx as the machine's HTTP ceiling, wrk's
# rate, and the result line every bench prints:
#   bench: NAME ours=... limit=... ratio=... target=... MET|MISSED
QUN=${1:-build/qun}
TMP=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; sleep 0.2; rm -rf "$TMP"' EXIT

now_ms() { date +%s%3N; }

# nginx_start PORT: nginx on 127.0.0.1:PORT answering every request (any
# method) 200 with a WeCom-style success body, and GET /index.json with a
# small static file; one worker per core, connections kept alive.
nginx_start() {
  mkdir -p "$TMP/nginx" "$TMP/www"
  echo '{"ok":true}' >"$TMP/www/index.json"
  cat >"$TMP/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  client_body_temp_path $TMP/nginx;
  proxy_temp_path $TMP/nginx;
  fastcgi_temp_path $TMP/nginx;
  uwsgi_temp_path $TMP/nginx;
  scgi_temp_path $TMP/nginx;
  server {
    listen 127.0.0.1:$1;
    location / { default_type application/json; return 200 '{"errcode":0,"errmsg":"ok"}'; }
    location = /index.json { root $TMP/www; }
  }
}
CONF
  /usr/sbin/nginx -c "$TMP/nginx.conf" -p "$TMP" &
  pids="$pids $!"
  sleep 0.5
}

# wrk_rate URL CONNS DURATION [SCRIPT]: requests per second wrk reaches
# (THREADS threads, default 2).
wrk_rate() {
  if [ -n "${4:-}" ]; then
    wrk -t"${THREADS:-2}" -c"$2" -d"$3" -s "$4" "$1"
  else
    wrk -t"${THREADS:-2}" -c"$2" -d"$3" "$1"
  fi | awk '/Requests\/sec/ { print $2 }'
}

# result NAME OURS LIMIT UNIT TARGET_OP TARGET: prints the bench line. The
# ratio is OURS / LIMIT; TARGET_OP is ">=" or "<=".
result() {
  ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  met=$(awk -v r="$ratio" -v op="$5" -v t="$6" 'BEGIN { ok = op == ">=" ? r >= t : r <= t; print ok ? "MET" : "MISSED" }')
  echo "bench: $1 ours=$2$4 limit=$3$4 ratio=$ratio target=$5$6 $met"
}

# wait_for CMD... : polls a command until it succeeds (at most 10 min).
wait_for() {
  i=0
  until "$@"; do
    i=$((i + 1))
    [ $i -lt 12000 ] || { echo "bench: gave up waiting for: $*" >&2; return 1; }
    sleep 0.05
  done
}
