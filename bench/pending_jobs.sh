#!/bin/sh
# pending_jobs.sh — memory per pending one-off job with N pending (default
# 1 000 000) and the time qun run takes to restart with them all pending.
# Prints figures; asserts nothing. Target: ≤ 256 bytes per pending job in
# the process (beside its SQLite row).
# Usage: sh bench/pending_jobs.sh [QUN] [N]
set -eu
QUN=${1:-build/qun}
N=${2:-1000000}
TMP=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$TMP"' EXIT
pid=0
cat >"$TMP/fill.lua" <<'LUA'
playbook { name = "fill", version = "1.0.0",
           params = { n = { type = "integer", default = 1000000 } } }
-- One handler fills the queue: a restart finds it fired and only restores.
schedule.at(os.time(), "fill", function()
  for i = 1, params.n do schedule.after("30d", jobs.noop, i) end
end)
function jobs.noop() end
LUA

now_ms() { date +%s%3N; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
pending() { "$QUN" status --db "$1" --json | awk -F': ' '/"pending"/ { gsub(/,/, "", $2); print $2 }'; }

# Starts qun run, waits until n jobs are pending; prints "startup_ms rss_kb".
measure() { # db n
  t0=$(now_ms)
  "$QUN" run "$TMP/fill.lua" --db "$1" --set n="$2" 2>"$TMP/err" &
  pid=$!
  until grep -q running "$TMP/err"; do sleep 0.05; done
  t1=$(now_ms)
  until [ "$(pending "$1")" = "$2" ]; do sleep 0.2; done
  sleep 0.5
  echo "$((t1 - t0)) $(rss_kb $pid)"
  kill -TERM $pid; wait $pid || true
}

set -- $(measure "$TMP/zero.db" 0); base_kb=$2
set -- $(measure "$TMP/full.db" "$N"); full_kb=$2
set -- $(measure "$TMP/full.db" "$N"); restart_ms=$1; again_kb=$2
per_job=$(( (again_kb - base_kb) * 1024 / N ))
echo "bench: pending_job_memory ours=${per_job}B limit=- ratio=- target=<=256B $( [ $per_job -le 256 ] && echo MET || echo MISSED)"
echo "  (RSS: ${base_kb} kB with 0 pending, ${full_kb} kB after filling, ${again_kb} kB after a restart with $N pending)"
echo "bench: restart_with_pending ours=${restart_ms}ms n=$N"
