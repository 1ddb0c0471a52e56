# new.sh — qun new scaffolds a playbook, its test and a team config that
# qun check and qun test accept as they are; it never overwrites a file.
. tests/lib.sh
cd "$TMP" || exit 1
Q=$QUN
case $Q in /*) ;; *) Q=$OLDPWD/$Q ;; esac
"$Q" new weekly-checkin >out 2>err || { echo "FAIL: qun new"; cat err; failures=$((failures + 1)); }
for f in weekly_checkin.lua weekly_checkin_test.lua weekly_checkin.team.lua; do
  [ -f "$f" ] || { echo "FAIL: no $f"; failures=$((failures + 1)); }
done
grep -q 'name    = "weekly-checkin"' weekly_checkin.lua || { echo "FAIL: header name"; failures=$((failures + 1)); }
WECOM_KEY=test-key "$Q" check weekly_checkin.lua --config weekly_checkin.team.lua --days 2 >out 2>err ||
  { echo "FAIL: qun check on the scaffold"; cat out err; failures=$((failures + 1)); }
"$Q" test weekly_checkin_test.lua >out 2>err || { echo "FAIL: qun test on the scaffold"; cat out err; failures=$((failures + 1)); }
grep -q "^3 passed, 0 failed$" out || { echo "FAIL: want 3 passed"; cat out; failures=$((failures + 1)); }
# Existing files are kept; nothing is written.
echo "mine" >other.lua
"$Q" new other >out 2>err && { echo "FAIL: overwrote"; failures=$((failures + 1)); }
grep -qx "qun new: ./other.lua exists already: nothing was written" err || { echo "FAIL: message"; cat err; failures=$((failures + 1)); }
[ "$(cat other.lua)" = mine ] || { echo "FAIL: other.lua changed"; failures=$((failures + 1)); }
[ ! -f other_test.lua ] || { echo "FAIL: a partial scaffold"; failures=$((failures + 1)); }
"$Q" new "Bad Name" >out 2>err; [ $? = 2 ] || { echo "FAIL: a bad name is a usage error"; failures=$((failures + 1)); }
"$Q" new x --dir sub/dir >out 2>err; [ -f sub/dir/x.lua ] || { echo "FAIL: --dir"; cat err; failures=$((failures + 1)); }
cd "$OLDPWD" || exit 1
finish
