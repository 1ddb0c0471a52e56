# params.sh — playbook header and params through `qun check`.
. tests/lib.sh
F=tests/cli/fixtures/sale.lua

expect 1 "$F:1: param 'group' has no value: add --set group=VALUE (or bind it in the team config)" -- check $F
expect 1 "$F:1: param 'start': cannot read \"sat 25:00\" as a time (expected e.g. \"sat 20:00\" or \"2026-11-28 20:00\")" -- check $F --set group=g1 --set "start=sat 25:00"
expect 1 "$F:1: --set strat: the playbook has no param 'strat' (its params: budget, count, group, length, marks, mode, note, ratio, start, vip, words)" -- check $F --set group=g1 --set strat=x
expect 1 "$F:1: param 'budget': cannot read \"1.234\" as a money (expected yuan, e.g. \"88.88\")" -- check $F --set group=g1 --set budget=1.234
expect 1 "$F:1: param 'mode': \"ban\" is not one of warn, redpacket, remove" -- check $F --set group=g1 --set mode=ban
expect 1 "$F:1: param 'marks': item 2 of \"3h,2x\": cannot read \"2x\" as a duration (expected e.g. \"90m\", \"2h\" or \"1d12h\")" -- check $F --set group=g1 --set marks=3h,2x
expect 1 "$F:1: param 'count': cannot read \"2.5\" as an integer (expected e.g. \"42\")" -- check $F --set group=g1 --set count=2.5
expect 1 "$F:1: param 'vip': cannot read \"maybe\" as a boolean (expected true or false)" -- check $F --set group=g1 --set vip=maybe
expect 1 "$F:1: param 'group': cannot read \"a b\" as a group (expected a group id without spaces, e.g. \"sh-1\")" -- check $F --set "group=a b"

cat >"$TMP/want" <<'OUT'
Sat 20:00	integer
7200	10000	warn	20	0.5	false	nil
加微信|代购	10800|7200|3600	g1
tests/cli/fixtures/sale.lua: ok (test-sale 0.1.0, 11 params)
OUT
expect_out "$TMP/want" -- check $F --set group=g1

cat >"$TMP/want" <<'OUT'
Sat 20:00	integer
5400	8888	remove	3	2.25	true	hi
a|b c	60	g2
tests/cli/fixtures/sale.lua: ok (test-sale 0.1.0, 11 params)
OUT
expect_out "$TMP/want" -- check $F --set group=g1 --set=group=g2 --set length=1h30m --set budget=88.88 \
  --set mode=remove --set count=3 --set ratio=2.25 --set vip=yes --set note=hi --set "words=a, b c" --set marks=1m

# A time with a date is absolute; the printed weekday proves the zone.
cat >"$TMP/want" <<'OUT'
Sat 20:00	integer
7200	10000	warn	20	0.5	false	nil
加微信|代购	10800|7200|3600	g1
tests/cli/fixtures/sale.lua: ok (test-sale 0.1.0, 11 params)
OUT
expect_out "$TMP/want" -- check $F --set group=g1 --set "start=2026-11-28 20:00"

finish
