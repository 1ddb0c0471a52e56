# qtest.sh — `qun test`: the fixtures in tests/qtest pass (pass/*_test.lua)
# or fail with exactly the text in tests/qtest/golden (fail/*.lua: not
# named *_test.lua, so that running the whole tree leaves them out); the
# counts, exit statuses and options.
. tests/lib.sh
# A test never reads the real environment: these must not show.
export QUN_QTEST_TOKEN=real-token QUN_QTEST_WECOM_KEY=real-key

# Times and the size of a run (the simulated audience's part) vary.
normalize() {
  sed -E -e 's/\([0-9]+\.[0-9]+ s\)/(T s)/' -e 's/: [0-9]+ lines, [0-9]+ sends/: N lines, N sends/' \
    -e "s|$(pwd)|ROOT|g"
}

# run_golden NAME WANT_RC ARGS...: qun test ARGS prints golden/NAME.txt.
run_golden() {
  name=$1 want_rc=$2
  shift 2
  "$QUN" test "$@" >"$TMP/raw" 2>"$TMP/err"
  rc=$?
  normalize <"$TMP/raw" >"$TMP/out"
  if [ "$rc" != "$want_rc" ] || [ -s "$TMP/err" ] || ! cmp -s "tests/qtest/golden/$name.txt" "$TMP/out"; then
    echo "FAIL: qun test $* (exit status $rc, want $want_rc)"
    diff -u "tests/qtest/golden/$name.txt" "$TMP/out" | sed 's/^/    /'
    sed 's/^/    stderr: /' "$TMP/err"
    failures=$((failures + 1))
  fi
}

run_golden pass 0 tests/qtest/pass
run_golden matchers 1 tests/qtest/fail/matchers.lua
run_golden syntax 1 tests/qtest/fail/syntax.lua
run_golden load_error 1 tests/qtest/fail/load_error.lua
run_golden declare 1 tests/qtest/fail/declare.lua tests/qtest/fail/twice.lua
run_golden escape 1 tests/qtest/fail/escape.lua
run_golden docs_failure 1 docs/examples/weekend_flash_sale_fails.lua # shown in docs/testing.md

# A directory is searched for *_test.lua only; files named twice run once.
passed=$(tail -n 1 tests/qtest/golden/pass.txt | cut -d' ' -f1)
"$QUN" test tests/qtest tests/qtest/pass/whole_file_test.lua >"$TMP/out" 2>&1
[ $? = 0 ] && [ "$(tail -n 1 "$TMP/out")" = "$passed passed, 0 failed" ] ||
  { echo "FAIL: qun test tests/qtest"; cat "$TMP/out"; failures=$((failures + 1)); }

# Passing and failing files together: the counts, exit 1.
"$QUN" test tests/qtest/pass tests/qtest/fail/syntax.lua tests/qtest/fail/declare.lua >"$TMP/out" 2>&1
[ $? = 1 ] && [ "$(tail -n 1 "$TMP/out")" = "$passed passed, 3 failed" ] ||
  { echo "FAIL: pass and fail together"; tail -n 3 "$TMP/out"; failures=$((failures + 1)); }

# No test files: nothing failed.
mkdir "$TMP/empty"
printf 'no *_test.lua files under %s\n0 passed, 0 failed\n' "$TMP/empty" >"$TMP/want"
"$QUN" test "$TMP/empty" >"$TMP/out" 2>&1
[ $? = 0 ] && cmp -s "$TMP/want" "$TMP/out" ||
  { echo "FAIL: qun test on an empty directory"; cat "$TMP/out"; failures=$((failures + 1)); }

# A test file outside the current directory reads next to itself; --seed
# is the seed of every sim.run that gives none; --verbose shows print().
mkdir "$TMP/seed"
cp tests/qtest/pass/flash_sale.lua "$TMP/seed/sale.lua"
cat >"$TMP/seed/seed_test.lua" <<'LUA'
local r = sim.run("sale.lua", { days = 1 })
print("seed", r:summary().sim.seed)
expect(r:summary().sim.seed):to_be(5)
LUA
expect 0 "" -- test --seed 5 "$TMP/seed"
expect 1 "" -- test "$TMP/seed"
"$QUN" test --verbose --seed=5 "$TMP/seed/seed_test.lua" >"$TMP/out" 2>&1
grep -q '^     | seed	5$' "$TMP/out" ||
  { echo "FAIL: --verbose shows what a passing case printed"; cat "$TMP/out"; failures=$((failures + 1)); }

# Usage errors: 2; a path that is not there: 1 with the reason.
expect_usage test --bogus
expect_usage test --seed
expect_usage test --seed -3
expect_usage test --seed x tests/qtest/pass
expect 1 "qun test: tests/qtest/nosuch: No such file or directory" -- test tests/qtest/nosuch
finish
