#!/bin/sh
# lateness.sh — 10 000 sends due in the same second to 10 000 distinct
# robots (a team config generating 10 000 WeCom channels, each its own
# rate limit, all pointed at a local nginx): p99 of late_ms, the time from
# the occurrence's due time to the request going out, read from the
# transcript. The limit column is the target itself (1 s). Target < 1 s.
# Usage: sh bench/lateness.sh [QUN] [N]
set -eu
. "$(dirname "$0")/lib.sh"
N=${2:-10000}
PORT=18494
nginx_start $PORT

cat >"$TMP/burst.lua" <<'LUA'
playbook { name = "robots", version = "1.0.0",
           params = { n = { type = "integer", default = 10 }, at = { type = "time" } } }
schedule.at(params.at, "burst", function()
  for i = 1, params.n do send("g" .. i, "周六晚8点开抢,第 {i} 群", { i = i }) end
end)
LUA
cat >"$TMP/team.lua" <<LUA
channels, groups = {}, {}
for i = 1, $N do
  channels["r" .. i] = { type = "wecom", key = "robot-" .. i, base_url = "http://127.0.0.1:$PORT" }
  groups["g" .. i] = { channel = "r" .. i }
end
LUA
sent() {
  kill -0 "$daemon" 2>/dev/null || { cat "$TMP/err" >&2; echo "bench: qun run stopped" >&2; exit 1; }
  n=$(grep -c '"ev":"send"' "$TMP/t.jsonl" 2>/dev/null) || true
  [ "${n:-0}" -ge "$N" ]
}
at=$(TZ=Asia/Shanghai date -d "@$(($(date +%s) + 6))" '+%Y-%m-%d %H:%M:%S')
"$QUN" run "$TMP/burst.lua" --config "$TMP/team.lua" --db "$TMP/q.db" --set n="$N" --set at="$at" \
  --transcript "$TMP/t.jsonl" 2>"$TMP/err" &  # the config and the time are in Asia/Shanghai
daemon=$!
pids="$pids $daemon"
wait_for sent
p99=$(grep '"ev":"send"' "$TMP/t.jsonl" | sed 's/.*"late_ms":\([0-9]*\).*/\1/' | sort -n |
      awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < NR * 0.99) i++; print v[i] }')
max=$(grep '"ev":"send"' "$TMP/t.jsonl" | sed 's/.*"late_ms":\([0-9]*\).*/\1/' | sort -n | tail -1)
result lateness_p99 "$p99" 1000 "ms" "<=" 1
echo "  ($N sends due at $at to $N robots; max late_ms $max; limit column: the 1 s target)"
