# daemon.sh — qun run, qun event and qun status together on one database.
. tests/lib.sh
F=tests/cli/fixtures/hello.lua
DB=$TMP/q.db

expect_usage event
expect_usage event hello
expect_usage event "Bad Type" --member m1
expect_usage status --bogus
expect 1 "qun status: no database at $TMP/none.db (qun run creates it; give --db PATH)" -- status --db "$TMP/none.db"
[ ! -e "$TMP/none.db" ] || { echo "FAIL: qun status created a database"; failures=$((failures + 1)); }
expect 1 "qun event: --data is not JSON: '[' or '{' expected near 'nope' (column 4)" -- event hello --member m1 --data nope --db "$DB"
expect 1 "qun event: --data must be a JSON object, e.g. '{\"order\":\"A1\"}'" -- event hello --member m1 --data '[1]' --db "$DB"

"$QUN" run $F --db "$DB" --transcript "$TMP/t.jsonl" 2>"$TMP/daemon.err" &
pid=$!
# The daemon hears events from its start on: wait until it runs.
i=0
until grep -q "running" "$TMP/daemon.err" 2>/dev/null || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
expect 0 "" -- event hello --member m1 --data '{"text":"你好"}' --db "$DB"
i=0
until grep -q '"message":"hello m1' "$TMP/t.jsonl" 2>/dev/null || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" = 0 ] || { echo "FAIL: qun run exited $rc after SIGTERM"; failures=$((failures + 1)); }
grep -q '"ev":"event","type":"hello","member":"m1","group":null,"data":{"text":"你好"}}$' "$TMP/t.jsonl" ||
  { echo "FAIL: no event line"; cat "$TMP/t.jsonl"; failures=$((failures + 1)); }
grep -q '"ev":"log","job":"on hello",.*"message":"hello m1: 你好"}$' "$TMP/t.jsonl" ||
  { echo "FAIL: no log line"; cat "$TMP/t.jsonl"; failures=$((failures + 1)); }

sha=$(sha256sum $F | cut -c1-12)
"$QUN" status --db "$DB" >"$TMP/status"
head -n 1 "$TMP/status" | grep -qx "hello 2.1.0 (sha256 $sha, $F)" ||
  { echo "FAIL: qun status:"; cat "$TMP/status"; failures=$((failures + 1)); }
grep -qx "  messages 0 queued (0 retrying), 0 deferred, 0 sent, 0 dropped, 0 dead" "$TMP/status" ||
  { echo "FAIL: qun status has no messages line:"; cat "$TMP/status"; failures=$((failures + 1)); }
"$QUN" status --db "$DB" --json | grep -q "\"sha256\": \"$(sha256sum $F | cut -c1-64)\"" ||
  { echo "FAIL: qun status --json has no sha256"; failures=$((failures + 1)); }

# Refusals before anything runs: a broken playbook, a bad --listen.
expect 1 "tests/cli/fixtures/bad_field.lua:1: playbook{}: unknown field 'titel' (fields: name, version, title, summary, params)" -- run tests/cli/fixtures/bad_field.lua --db "$TMP/x.db"
expect 1 "--listen needs listen.token in the team config (the events' bearer token)" -- run $F --listen 127.0.0.1:18999 --db "$TMP/x.db"
printf 'listen = { token = "0123456789abcdef0123" }\n' >"$TMP/l.lua"
expect 1 "--listen 999.1.1.1:80: expected HOST:PORT, e.g. 127.0.0.1:8080" -- run $F --config "$TMP/l.lua" --listen 999.1.1.1:80 --db "$TMP/x.db"
printf 'listen = { token = "short" }\n' >"$TMP/short.lua"
expect 1 "$TMP/short.lua:1: listen.token is too short to guess-proof (at least 16 characters)" -- run $F --config "$TMP/short.lua" --db "$TMP/x.db"

# A playbook killed for memory ends the daemon with status 1, saying so.
"$QUN" run tests/cli/fixtures/bomb.lua --db "$TMP/bomb.db" 2>"$TMP/bomb.err"
rc=$?
[ "$rc" = 1 ] || { echo "FAIL: a memory-killed run exited $rc, want 1"; failures=$((failures + 1)); }
grep -q "^qun: tests/cli/fixtures/bomb.lua was stopped: memory cap exceeded; fix the playbook and start it again" "$TMP/bomb.err" ||
  { echo "FAIL: no stop message:"; cat "$TMP/bomb.err"; failures=$((failures + 1)); }
finish
