# usage.sh — exit status 2 and a usage message for every misuse.
. tests/lib.sh
F=tests/cli/fixtures/no_params.lua

expect_usage
expect_usage bogus
expect_usage check
expect_usage info
expect_usage info $F $F
expect_usage info --bogus $F
expect_usage check $F --set
expect_usage check $F --set novalue
expect_usage check $F --set =x
expect_usage check $F --json
expect_usage version extra
expect_usage help bogus
expect 2 "qun info: unknown option '--jsn'
usage: qun info FILE [--json] [--set NAME=VALUE]..." -- info --jsn $F

# help and version succeed and say something.
for args in help "help info" "info --help" version --version; do
  # shellcheck disable=SC2086
  if ! "$QUN" $args >"$TMP/out" 2>&1 || [ ! -s "$TMP/out" ]; then
    echo "FAIL: qun $args"
    failures=$((failures + 1))
  fi
done
"$QUN" help >"$TMP/out"
for c in help version info check; do
  grep -q "^  $c " "$TMP/out" || { echo "FAIL: qun help does not list $c"; failures=$((failures + 1)); }
done
finish
