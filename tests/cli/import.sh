# import.sh — qun import from the command line: the success line, the
# one-line error that names file:row, and usage errors.
. tests/lib.sh
D=tests/ingest/data
expect_usage import
expect_usage import people $D/members.csv
expect_usage import members
expect_usage import members $D/members.csv --bogus
cat >"$TMP/want" <<OUT
$D/members.csv: 2 members imported
OUT
expect_out "$TMP/want" -- import members $D/members.csv --db "$TMP/q.db"
cat >"$TMP/want" <<OUT
$D/events.jsonl: 2 events imported
OUT
expect_out "$TMP/want" -- import events $D/events.jsonl --db "$TMP/q.db"
expect 1 "$D/missing_id.csv:5: column \"id\" is empty (nothing was imported)" -- import members $D/missing_id.csv --db "$TMP/q.db"
expect 1 "$D/members.csv: events come as JSON lines (a .jsonl file, one object per line) (nothing was imported)" -- import events $D/members.csv --db "$TMP/q.db"
printf 'timezone = "Mars/Olympus"\n' >"$TMP/bad.lua"
expect 1 "$TMP/bad.lua:1: timezone 'Mars/Olympus' is not in the tz database (e.g. \"Asia/Shanghai\")" -- import members $D/members.csv --config "$TMP/bad.lua" --db "$TMP/q.db"
finish
