# config.sh — team configs through `qun check --config`: values reach the
# playbook, every mistake names file:line, secrets never show.
. tests/lib.sh
D=tests/cli/config
F=tests/cli/fixtures/sale.lua
export QUN_TEST_TOKEN=tok-1234567890abcdef QUN_TEST_WECOM_KEY=wecom-secret-key-9f8e7d
unset QUN_TEST_NOT_SET

cat >"$TMP/want" <<'OUT'
Sat 20:00	integer
7200	10000	warn	5	0.5	false	nil
a|b	10800|7200|3600	sh-7
tests/cli/fixtures/sale.lua: ok (test-sale 0.1.0, 11 params)
OUT
expect_out "$TMP/want" -- check $F --config $D/team.lua
# --set wins over the config.
"$QUN" check $F --config $D/team.lua --set group=sh-9 | grep -q 'sh-9$' || { echo "FAIL: --set does not win"; failures=$((failures + 1)); }

expect 1 "$D/typo.lua:2: unknown setting 'quiet_hour' (did you mean 'quiet_hours'? settings: timezone, quiet_hours, caps, grace, listen, redpacket, channels, groups, members_channel, payout_channel, params)" -- check $F --config $D/typo.lua
expect 1 "$D/bad_field.lua:3: channels.wx (wecom): unknown field 'kye' (fields: type, key, base_url, rate)" -- check $F --config $D/bad_field.lua
expect 1 "$D/bad_type.lua:1: channels.wx: type must be one of console, file, webhook, wecom, dingtalk, feishu, slack, telegram" -- check $F --config $D/bad_type.lua
expect 1 "$D/bad_group.lua:2: groups[\"g1\"]: no channel named 'wx2' in channels" -- check $F --config $D/bad_group.lua
expect 1 "$D/bad_internal.lua:2: groups[\"ops\"].internal is true or false" -- check $F --config $D/bad_internal.lua
expect 1 "$D/bad_tz.lua:1: timezone 'Asia/Shangai' is not in the tz database (e.g. \"Asia/Shanghai\")" -- check $F --config $D/bad_tz.lua
expect 1 "$D/bad_grace.lua:1: grace: cannot read \"10 minutes\" as a duration (expected e.g. \"10m\")" -- check $F --config $D/bad_grace.lua
# A secret that is not set: fine for a rehearsal (nothing is sent), refused live.
"$QUN" check $F --config $D/env_unset.lua --set group=sh-1 --days 0 >"$TMP/out" 2>"$TMP/err"
grep -qx "$D/env_unset.lua: note: env(\"QUN_TEST_NOT_SET\") is not set: fine for check and sim (nothing is sent); qun run needs it" "$TMP/out" ||
  { echo "FAIL: no note about the unset env"; cat "$TMP/out" "$TMP/err"; failures=$((failures + 1)); }
expect 1 "$D/env_unset.lua:2: env(\"QUN_TEST_NOT_SET\") is not set: export it before starting qun" -- run $F --config $D/env_unset.lua --set group=sh-1 --db "$TMP/x.db"
expect 1 "$D/secret_in_error.lua:2: members_channel: no channel named '***' in channels" -- check $F --config $D/secret_in_error.lua
expect 1 "$D/loop.lua:1: instruction budget exceeded (100000000 per call): a loop that never ends?" -- check $F --config $D/loop.lua
expect 1 "$D/missing.lua: cannot read the file (No such file or directory)" -- check $F --config $D/missing.lua
expect 1 "$D/no_key.lua:1: channels.wx (wecom): no key (e.g. key = env(\"...\"))" -- check $F --config $D/no_key.lua
expect 1 "$D/bad_rate.lua:3: channels.fs (feishu): cannot read the rate \"100/minute\" (expected e.g. \"20/min\", \"5/s\", \"100/h\")" -- check $F --config $D/bad_rate.lua
expect 1 "$D/payout_not_webhook.lua:2: payout_channel: 'ding' must be a webhook with a secret (payouts are signed)" -- check $F --config $D/payout_not_webhook.lua
expect 1 "$D/quiet_action.lua:1: quiet_hours.action is \"defer\" (send at the window's end) or \"drop\", not \"skip\"" -- check $F --config $D/quiet_action.lua
expect 1 "$D/rp_total.lua:1: redpacket.max_total: cannot read \"200.001\" as money in yuan (e.g. \"200.00\")" -- check $F --config $D/rp_total.lua
expect 1 "$D/bad_url.lua:1: channels.s (slack): url must start with https:// (or http:// for a local test server)" -- check $F --config $D/bad_url.lua
finish
