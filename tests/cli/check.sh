# check.sh — qun check rehearses a playbook: what only running it shows is
# named by file and line (warnings on stdout, errors on stderr, exit 1).
. tests/lib.sh
export QUN_TEST_WECOM_KEY=wecom-secret-key-9f8e7d
F=tests/cli/fixtures/late.lua
cat >"$TMP/want" <<'OUT'
tests/cli/fixtures/late.lua: ok (late 1.0.0, 1 param)
tests/cli/fixtures/late.lua:5: warning: schedule.every: "0 0 30 2 *" never comes in the next five years: it will not fire
tests/cli/fixtures/late.lua:4: warning: text is 2100 bytes: over wecom's limit of 2048 bytes for text content; it will fail at delivery
tests/cli/fixtures/late.lua:2: warning: this send falls in quiet hours 22:00-08:00: it waits until 08:00
OUT
"$QUN" check $F --config tests/cli/config/quiet.lua --start "2026-11-23 09:00" --days 2 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 1 ] || { echo "FAIL: qun check exited $rc, want 1"; failures=$((failures + 1)); }
cmp -s "$TMP/want" "$TMP/out" || { echo "FAIL: stdout"; diff -u "$TMP/want" "$TMP/out"; failures=$((failures + 1)); }
printf '%s\n' "tests/cli/fixtures/late.lua:3: send: no variable 'nmae' in the message template (\"text\") (in typo, first at 2026-11-23T10:00:00+08:00 of the 2-day dry-run)" >"$TMP/want_err"
cmp -s "$TMP/want_err" "$TMP/err" || { echo "FAIL: stderr"; diff -u "$TMP/want_err" "$TMP/err"; failures=$((failures + 1)); }
grep -q "wecom-secret" "$TMP/out" "$TMP/err" && { echo "FAIL: the key shows"; failures=$((failures + 1)); }
# A group param that is not a group of the config: refused before anything runs.
expect 1 "tests/cli/fixtures/late.lua:1: param 'group' is 'sh-9', which is not a group of tests/cli/config/quiet.lua (groups: sh-1)" -- check $F --config tests/cli/config/quiet.lua --set group=sh-9
# --days 0: load only.
expect 0 "" -- check $F --config tests/cli/config/quiet.lua --days 0
expect_usage check $F --days x
expect_usage check $F --audience 0
expect_usage check $F --start "someday"
finish
