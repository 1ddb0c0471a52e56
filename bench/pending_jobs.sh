#!/bin/sh
# pending_jobs.sh — memory per pending one-off job with N pending (default
# 1 000 000), in the process beside its SQLite row (RSS with N pending minus
# RSS with none; target <= 256 bytes, DESIGN.md), and the time qun run takes
# to restart with them all pending (start to "running"), as a ratio to the
# sqlite3 shell reading the same pending rows (id, key, handler, args, due)
# out of the same database in the same run. Target for the restart (ours;
# DESIGN.md sets none): ratio <= 3.
# Usage: sh bench/pending_jobs.sh [QUN] [N]
set -eu
. "$(dirname "$0")/lib.sh"
N=${2:-1000000}
cat >"$TMP/fill.lua" <<'LUA'
playbook { name = "fill", version = "1.0.0",
           params = { n = { type = "integer", default = 1000000 } } }
-- One handler fills the queue: a restart finds it fired and only restores.
schedule.at(os.time(), "fill", function()
  for i = 1, params.n do schedule.after("30d", jobs.noop, i) end
end)
function jobs.noop() end
LUA

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
pending() { "$QUN" status --db "$1" --json | awk -F': ' '/"pending"/ { gsub(/,/, "", $2); print $2 }'; }
is_pending() { [ "$(pending "$1")" = "$2" ]; }

# Starts qun run, waits until n jobs are pending; prints "startup_ms rss_kb".
measure() { # db n
  t0=$(now_ms)
  "$QUN" run "$TMP/fill.lua" --db "$1" --set n="$2" 2>"$TMP/err" &
  daemon=$!
  wait_for grep -q running "$TMP/err"
  t1=$(now_ms)
  wait_for is_pending "$1" "$2"
  sleep 0.5
  echo "$((t1 - t0)) $(rss_kb $daemon)"
  kill -TERM $daemon; wait $daemon || true
}

set -- $(measure "$TMP/zero.db" 0); base_kb=$2
set -- $(measure "$TMP/full.db" "$N"); full_kb=$2
set -- $(measure "$TMP/full.db" "$N"); restart_ms=$1; again_kb=$2
t0=$(now_ms)
sqlite3 "$TMP/full.db" 'SELECT id, key, handler, args, due FROM jobs WHERE state = 0' >/dev/null
read_ms=$(($(now_ms) - t0))
per_job=$(( (again_kb - base_kb) * 1024 / N ))
result pending_job_memory "$per_job" 256 B "<=" 1
echo "  (RSS: ${base_kb} kB with 0 pending, ${full_kb} kB after filling, ${again_kb} kB after a restart with $N pending; limit column: the 256 B target)"
result restart_pending "$restart_ms" "$read_ms" ms "<=" 3
echo "  (qun run start to \"running\" with $N pending; limit: sqlite3 reading the same pending rows)"
