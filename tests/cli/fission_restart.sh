# fission_restart.sh — playbooks/fission.lua live (qun run, qun event, a
# restart in between): a milestone's red packet goes once, even when the
# group falls below it and reaches it again after a restart; a member who
# leaves and comes back earns the inviter nothing; joins and leaves keep the
# group's count.
. tests/lib.sh
DB=$TMP/q.db
T=$TMP/t.jsonl

printf 'id,name,groups\nm1,王芳,g1\nm2,李强,g1\nm3,张敏,g1\nm4,刘洋,g1\n' >"$TMP/members.csv"
"$QUN" import members "$TMP/members.csv" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }
start=$(TZ=Asia/Shanghai date -d '1 hour ago' '+%Y-%m-%d %H:%M')
cat >"$TMP/team.lua" <<EOF
channels  = { out = { type = "console" } }
groups    = { g1 = { name = "测试群", channel = "out" } }
redpacket = { claim_url = "https://shop.example/rp/{packet}" }
params    = { groups = { "g1" }, start = "$start", days = 3, kickoff_total = "0",
              milestones = { 6, 8 }, thanks_at = "0 3 1 1 *" }
EOF

run() { # starts the daemon, waits until it runs
  "$QUN" run playbooks/fission.lua --config "$TMP/team.lua" --db "$DB" --transcript "$T" 2>>"$TMP/daemon.err" >/dev/null &
  pid=$!
  i=0
  until [ "$(grep -c running "$TMP/daemon.err" 2>/dev/null)" -ge "$1" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
}
event() { # qun event TYPE MEMBER [DATA], then wait until the daemon has handled it
  n=$(grep -c '"ev":"event"' "$T" 2>/dev/null)
  "$QUN" event "$1" --member "$2" --group g1 --data "${3:-{\}}" --db "$DB" >/dev/null || echo "FAIL: qun event $*"
  i=0
  until [ "$(grep -c '"ev":"event"' "$T" 2>/dev/null)" -gt "$n" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
}
stop() {
  kill -TERM $pid
  wait $pid
}
check() { # check COUNT PATTERN WHAT
  got=$(grep -c "$2" "$T")
  [ "$got" = "$1" ] || { echo "FAIL: $3: $got, want $1"; failures=$((failures + 1)); }
}

run 1
event member.joined n1 '{"inviter":"m1"}'
event member.joined n2 '{"inviter":"m1"}' # 6 members: the first milestone
stop
check 1 '群里满 6 人啦' "the milestone of 6 before the restart"

run 2
event member.left n1                        # 5 ...
event member.joined n1 '{"inviter":"m1"}'   # ... 6 again: no second packet, no reward for m1
event member.joined n3 '{"inviter":"m2"}'   # 7
event member.joined n4 '{"inviter":"m2"}'   # 8: the second milestone
stop

check 1 '群里满 6 人啦' "the milestone of 6, after a restart and a second crossing"
check 1 '群里满 8 人啦' "the milestone of 8"
check 2 '"ev":"redpacket","op":"new"' "red packets"
check 1 '"ev":"tag","member":"n2","tag":"里程碑@g1#6","op":"add"' "the mark of 6 on the 6th member"
check 1 '"ev":"tag","member":"n4","tag":"里程碑@g1#8","op":"add"' "the mark of 8 on the 8th member"
check 2 '"ev":"attr","member":"m1","key":"invites"' "m1's rewards (n1 once, n2)"
check 1 '"ev":"attr","member":"m1","key":"points","value":40' "m1's points"
check 1 '"ev":"attr","member":"m2","key":"points","value":40' "m2's points"
check 0 '"ev":"error"' "errors"
grep -q "running" "$TMP/daemon.err" || { echo "FAIL: the daemon did not run:"; cat "$TMP/daemon.err"; failures=$((failures + 1)); }
[ "$failures" = 0 ] || { echo "transcript:"; cut -c1-200 "$T"; }
finish
