# redpacket.sh — what `qun check` says about countdowns and red packets:
# warnings for offsets given twice and marks already past, and packets
# (and rains) that cannot be paid failing with file:line.
. tests/lib.sh
F=tests/cli/fixtures/rp_sale.lua
printf 'redpacket = { claim_url = "https://shop.example/rp/{packet}" }\n' >"$TMP/team.lua"

cat >"$TMP/want" <<OUT
$F: ok (rp-sale 1.0.0, 5 params)
$F:9: warning: countdown: offset "2h" is given twice (as "2h" before): once is enough
$F:10: warning: redpacket.new: no payout_channel in the team config: claims are recorded, no payouts are sent
OUT
expect_out "$TMP/want" -- check $F --config "$TMP/team.lua"

cat >"$TMP/want" <<OUT
$F: ok (rp-sale 1.0.0, 5 params)
$F:9: warning: countdown: offset "2h" is given twice (as "2h" before): once is enough
$F:10: warning: redpacket.new: no payout_channel in the team config: claims are recorded, no payouts are sent
$F:9: warning: countdown: the 3h mark (2020-11-28T19:00:00+08:00) was already past when the run first started: skipped
$F:9: warning: countdown: the 2h mark (2020-11-28T20:00:00+08:00) was already past when the run first started: skipped
$F:9: warning: countdown: the 1h mark (2020-11-28T21:00:00+08:00) was already past when the run first started: skipped
OUT
expect_out "$TMP/want" -- check $F --config "$TMP/team.lua" --set "ends=2020-11-28 22:00"

expect 1 "$F:10: redpacket.new: 288.88 元 is over the limit of 200.00 元 per packet" -- check $F --set budget=288.88
expect 1 "$F:10: redpacket.new: 20 shares need at least 0.20 元; 0.05 元 was given" -- check $F --set budget=0.05
printf 'redpacket = { max_total = "50.00" }\n' >"$TMP/small.lua"
expect 1 "$F:11: rain.plan: packet 1 of 2: 50.01 元 is over the limit of 50.00 元 per packet" -- check $F --config "$TMP/small.lua" --set budget=10.00 --set rain=100.02
finish
