#!/bin/sh
# bench.sh — runs every benchmark in bench/ (each measures its own limit in
# the same run), then prints the table of their result lines:
#   bench: NAME ours=... limit=... ratio=... target=... MET|MISSED
# A benchmark that fails is reported and the others still run; the exit
# status is 1 if one failed (a MISSED target is a figure, not a failure).
# Usage: scripts/bench.sh [QUN] [BENCH...]   (default: all of bench/*.sh)
set -u
QUN=${1:-build/qun}
[ $# -gt 0 ] && shift
DIR=$(cd "$(dirname "$0")/../bench" && pwd)
[ $# -gt 0 ] || set -- sim delivery http_ingest lateness pending_jobs import check
out=$(mktemp)
rc=$(mktemp)
trap 'rm -f "$out" "$rc"' EXIT
failed=""
echo "machine: $(nproc) cores, $(uname -srm), $(date -u '+%Y-%m-%d %H:%MZ')"
for b in "$@"; do
  echo "== $b"
  { sh "$DIR/$b.sh" "$QUN"; echo $? >"$rc"; } | tee -a "$out"
  [ "$(cat "$rc")" = 0 ] || failed="$failed $b"
done
echo
echo "== summary"
grep '^bench: ' "$out"
[ -z "$failed" ] || { echo "failed:$failed" >&2; exit 1; }
