#!/bin/sh
# run.sh — one sandbox regression test: sh run.sh QUN FILE.lua
# The file's first "-- expect: TEXT" line gives a piece of the one-line
# error `qun check FILE` must fail with (exit status 1); "-- expect-ok"
# means it must pass, and "-- stdout: TEXT" lines must appear in order.
QUN=${1:?usage: sh run.sh QUN FILE.lua}
FILE=${2:?usage: sh run.sh QUN FILE.lua}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$QUN" check "$FILE" >"$out" 2>"$err"
rc=$?
if grep -q '^-- expect-ok' "$FILE"; then
  if [ "$rc" != 0 ]; then
    echo "FAIL: $FILE should pass; exit status $rc:"; cat "$err"; exit 1
  fi
  grep '^-- stdout: ' "$FILE" | sed 's/^-- stdout: //' >"$err.want"
  if ! grep -v ': ok (' "$out" | diff -u "$err.want" - ; then
    rm -f "$err.want"; echo "FAIL: $FILE printed something else"; exit 1
  fi
  rm -f "$err.want"
  echo "ok"
  exit 0
fi
want=$(sed -n 's/^-- expect: //p' "$FILE" | head -n 1)
if [ -z "$want" ]; then
  echo "FAIL: $FILE has no '-- expect:' line"; exit 1
fi
lines=$(wc -l <"$err")
if [ "$rc" != 1 ] || [ "$lines" != 1 ] || ! grep -qF -- "$want" "$err"; then
  echo "FAIL: $FILE"
  echo "  exit status $rc (want 1), $lines line(s) on stderr (want 1):"
  sed 's/^/    /' "$err" | head -n 5
  echo "  want a line containing: $want"
  exit 1
fi
echo "ok: $(cat "$err")"
