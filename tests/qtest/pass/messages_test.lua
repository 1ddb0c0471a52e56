-- messages_test.lua — what failures say, on lines made up here (the
-- messages on real runs are in tests/cli/qtest.sh).
local function send(t, text)
  return { t = t, ev = "send", to = "group:g1", msg = { text = text } }
end

test("sends by time and text, the first five", function()
  local list = {}
  for d = 1, 7 do
    list[d] = send(string.format("2026-11-%02dT20:00:00+08:00", 20 + d), "周六晚8点开抢,还有 " .. d .. " 天!")
  end
  expect(function() expect(list):to_have_length(3) end):to_fail_with(
    'expected 3 sends, got 7: [2026-11-21T20:00 "周六晚8点开抢,还有 1…", 2026-11-22T20:00 "周六晚8点开抢,还有 2…", '
    .. '2026-11-23T20:00 "周六晚8点开抢,还有 3…", 2026-11-24T20:00 "周六晚8点开抢,还有 4…", '
    .. '2026-11-25T20:00 "周六晚8点开抢,还有 5…", … 2 more]')
  expect(function() expect({ list[1] }):to_have_length(2) end):to_fail_with("expected 2 sends, got 1: [")
end)

test("other kinds of line", function()
  local lines = {
    { t = "2026-11-28T19:08:00+08:00", ev = "event", type = "purchase", member = "m1" },
    { t = "2026-11-27T23:00:00+08:00", ev = "deferred", to = "group:g1", reason = "quiet_hours", job = "late" },
    { t = "2026-11-23T09:01:00+08:00", ev = "error", job = "two", message = "x.lua:10: send: boom" },
    { t = "2026-11-23T09:02:00+08:00", ev = "tag", member = "m1", tag = "buyer", op = "add" },
    { t = "2026-11-23T09:03:00+08:00", ev = "send", to = "group:g1", msg = { link = { title = "新品", url = "https://x/" } } },
    { t = "2026-11-23T09:04:00+08:00", ev = "send", to = "group:g1", msg = { image = { url = "https://x/a.png" } } },
  }
  expect(function() expect(lines):to_have_length(0) end):to_fail_with(
    'expected 0 items, got 6: [2026-11-28T19:08 purchase m1, 2026-11-27T23:00 deferred group:g1 (quiet_hours), '
    .. '2026-11-23T09:01 error "x.lua:10: send: boom", 2026-11-23T09:02 tag add buyer m1, 2026-11-23T09:03 "新品", '
    .. '… 1 more]')
  expect(function() expect({ lines[6] }):to_have_length(0) end):to_fail_with(
    'expected 0 sends, got 1: [2026-11-23T09:04 [image]]')
  expect(function() expect({ lines[1], lines[1] }):to_have_length(1) end):to_fail_with("expected 1 event, got 2")
end)

test("values", function()
  expect(function() expect("a\nb"):to_be("c") end):to_fail_with('expected "c", got "a\\nb"')
  expect(function() expect({ 1, 2 }):to_be({ 1, 2 }) end):to_fail_with(
    "expected {1, 2}, got {1, 2} (the same contents, not the same table: use to_equal)")
  expect(function() expect({ x = { y = "1" } }):to_equal({ x = { y = 1 } }) end):to_fail_with(
    'expected {x = {y = 1}}, got {x = {y = "1"}} (at .x.y: expected 1, got "1")')
  expect(function() expect({ 1, 2, 3 }):to_equal({ 1, 2 }) end):to_fail_with("(at [3]: expected nil, got 3)")
  expect(function() expect(0.5):to_be_at_least(1) end):to_fail_with("expected at least 1, got 0.5")
  expect(function() expect("3"):to_be_at_least(1) end):to_fail_with('expected at least 1, got "3"')
  expect(function() expect(3):to_be_at_least("1") end):to_fail_with('to_be_at_least(n): n is a number, not "1"')
  expect(function() expect(3):to_contain("x") end):to_fail_with("expected a string or a list containing")
  expect(function() expect(function() end):to_fail_with() end):to_fail_with(
    "expected an error, but the function returned")
  expect(function() error({}) end):to_fail_with() -- any error will do
  expect(function() expect(1):never() end):to_fail_with("attempt to call a table value")
end)

test("tables that hold themselves", function()
  local c, d = {}, {}
  c.me, d.me = c, d
  expect(c):to_equal(d)
  expect(function() expect(c):to_equal({}) end):to_fail_with(
    "expected {}, got {me = {me = {me = {…}}}} (at .me: expected nil, got {me = {me = {me = {…}}}})")
end)

test("chaining and labels", function()
  expect(2):to_be_at_least(1):to_be_at_most(3):to_be_between(2, 2)
  expect(function() expect(5, "sends on Saturday"):to_be_at_most(3) end):to_fail_with(
    "sends on Saturday: expected at most 3, got 5")
  expect(function() expect(1, 2) end):to_fail_with("expect(value, label): label is a string, not 2")
end)
