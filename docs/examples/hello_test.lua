-- hello_test.lua — the test of docs/quickstart.md: `qun test hello_test.lua`.
local r = sim.run("hello.lua", { set = { group = "sh-1" }, start = "2026-11-23 00:00", days = 2 })

test("a good morning each day at 09:00", function()
  local s = r:sends{ to = "group:sh-1" }
  expect(s):to_have_length(2)
  expect(s[1].t):to_be("2026-11-23T09:00:00+08:00")
  expect(s[1].msg.text):to_contain("签到领 10 积分")
end)

test("members who check in are tagged", function()
  expect(#r:lines{ ev = "tag", tag = "签到" }):to_be_at_least(1)
end)
