#!/bin/sh
# check.sh — `qun check` of each shipped playbook with its team config: the
# wall time of one check (the best of five), which includes its rehearsal
# (a dry-run over the playbook's horizon). Target (ours; DESIGN.md sets
# none): under 1 s, quick enough to run on every save; the limit column is
# that second.
# Usage: sh bench/check.sh [QUN]
set -eu
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)

for pb in "$ROOT"/playbooks/*.team.lua; do
  name=$(basename "$pb" .team.lua)
  best=""
  for _ in 1 2 3 4 5; do
    t0=$(now_ms)
    "$QUN" check "$ROOT/playbooks/$name.lua" --config "$pb" >/dev/null 2>&1 ||
      { echo "bench: qun check $name.lua failed" >&2; exit 1; }
    ms=$(($(now_ms) - t0))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  result "check_$name" "$best" 1000 ms "<=" 1
done
echo "  (qun check PLAYBOOK --config PLAYBOOK.team.lua, best of five; limit column: the 1 s target)"
