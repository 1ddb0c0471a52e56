# lib.sh — helpers for the command-line tests in tests/cli (sourced; POSIX sh).
# Each test script is run from the source root as: sh tests/cli/X.sh QUN
QUN=${1:?usage: sh $0 path/to/qun}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0

# expect STATUS STDERR_LINE -- ARGS...: runs qun ARGS; the exit status must be
# STATUS and stderr exactly STDERR_LINE ("" = nothing on stderr).
expect() {
  want_rc=$1 want_err=$2
  shift 3
  "$QUN" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  printf '%s' "$want_err" >"$TMP/want"
  [ -n "$want_err" ] && echo >>"$TMP/want"
  if [ "$rc" != "$want_rc" ] || ! cmp -s "$TMP/want" "$TMP/err"; then
    echo "FAIL: qun $*"
    echo "  exit status $rc (want $want_rc)"
    echo "  stderr:"; sed 's/^/    /' "$TMP/err"
    echo "  want:"; sed 's/^/    /' "$TMP/want"
    failures=$((failures + 1))
  fi
}

# expect_out FILE -- ARGS...: qun ARGS succeeds and prints exactly FILE's text.
expect_out() {
  want=$1
  shift 2
  "$QUN" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if [ "$rc" != 0 ] || ! cmp -s "$want" "$TMP/out" || [ -s "$TMP/err" ]; then
    echo "FAIL: qun $* (exit status $rc)"
    diff -u "$want" "$TMP/out" | sed 's/^/    /'
    sed 's/^/    stderr: /' "$TMP/err"
    failures=$((failures + 1))
  fi
}

# expect_usage ARGS...: exit status 2 and a usage line on stderr.
expect_usage() {
  "$QUN" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if [ "$rc" != 2 ] || [ ! -s "$TMP/err" ]; then
    echo "FAIL: qun $* (exit status $rc, want 2 with a message)"
    failures=$((failures + 1))
  fi
}

finish() {
  if [ "$failures" != 0 ]; then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "ok"
}
