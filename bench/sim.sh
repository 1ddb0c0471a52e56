#!/bin/sh
# sim.sh — the dry-run of the weekend flash sale (playbooks/
# weekend_flash_sale.lua and its team config) over 7 days, with 10 000
# members (the target) and 100 000 (a figure): wall time, as a ratio to
# inserting the same number of transcript rows into SQLite in one
# transaction (the sqlite3 shell's .import, WAL, in the same run).
# Target: ratio <= 3.
# Usage: sh bench/sim.sh [QUN] [MEMBERS...]
set -eu
. "$(dirname "$0")/lib.sh"
shift 2>/dev/null || true
[ $# -gt 0 ] || set -- 10000 100000
ROOT=$(cd "$(dirname "$0")/.." && pwd)

for n in "$@"; do
  t0=$(now_ms)
  "$QUN" sim "$ROOT/playbooks/weekend_flash_sale.lua" --config "$ROOT/playbooks/weekend_flash_sale.team.lua" \
    --audience "$n" --start "2026-11-23 00:00" --days 7 --seed 1 --out "$TMP/out$n" >/dev/null
  t1=$(now_ms)
  ours=$((t1 - t0))
  rows=$(wc -l <"$TMP/out$n/transcript.jsonl")
  # The limit: the same lines as rows of a one-column table, one transaction
  # (.import wraps the whole file in one), in a fresh WAL database.
  rm -f "$TMP/limit.db"*
  t0=$(now_ms)
  sqlite3 "$TMP/limit.db" <<SQL >/dev/null
PRAGMA journal_mode = WAL;
CREATE TABLE transcript(line TEXT);
.mode ascii
.separator "\037" "\n"
.import $TMP/out$n/transcript.jsonl transcript
SQL
  t1=$(now_ms)
  limit=$((t1 - t0))
  imported=$(sqlite3 "$TMP/limit.db" 'SELECT count(*) FROM transcript')
  [ "$imported" = "$rows" ] || { echo "bench: sim: sqlite3 imported $imported of $rows rows" >&2; exit 1; }
  name=sim_flash_sale_$((n / 1000))k
  result "$name" "$ours" "$limit" ms "<=" 3
  echo "  ($n members, 7 days: $rows transcript lines; limit: sqlite3 .import of the same lines in one transaction)"
done
