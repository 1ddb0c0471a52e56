-- flash_sale_test.lua — passes: every query and matcher on the fixture.
local r = sim.run("flash_sale.lua", { config = "team.lua", start = "2026-11-23 00:00", days = 7 })

test("a notice a day, Wed/Thu/Fri at 20:00", function()
  local notices = r:sends{ to = "group:sh-1", contains = "还有" }
  expect(notices):to_have_length(3)
  expect(notices[1].t):to_be("2026-11-25T20:00:00+08:00")
  expect(notices[3].at):to_be(r:time("2026-11-27 20:00"))
  expect(notices[1].msg.text):to_contain("还有 3 天")
  expect(notices[1].late_ms):to_be(0)
end)

test("between is half-open", function()
  local wed = r:sends{ between = { "2026-11-25 00:00", "2026-11-25 20:00" } }
  expect(wed):to_have_length(0)
  wed = r:sends{ between = { "2026-11-25 20:00", "2026-11-26 00:00" } }
  expect(wed):to_have_length(1)
  expect(r:sends{ between = { r:time("wed 00:00"), r:time("thu 00:00") } }):to_have_length(1)
  expect(#r:sends{ between = { "sat 00:00" }, to = "group:" }):to_be(3) -- 08:00, 19:00, 20:00
end)

test("markdown and link titles are searched, URLs are not", function()
  expect(r:sends{ contains = "红包雨" }):to_have_length(1)
  expect(r:sends{ contains = "限时抢购开始" }):to_have_length(1)
  expect(r:sends{ contains = "只有两小时" }):to_have_length(1)
  expect(r:sends{ contains = "https://" , job = "open" }):to_have_length(0)
end)

test("quiet hours defer the late reminder", function()
  local d = r:lines{ ev = "deferred", reason = "quiet_hours" }
  expect(d):to_have_length(1)
  expect(d[1].job):to_be("late")
  local late = r:sends{ job = "late" }
  expect(late[1].t):to_be("2026-11-28T08:00:00+08:00")
  expect(late[1].due):to_be("2026-11-27T23:00:00+08:00")
end)

test("buyers are tagged and thanked", function()
  local buys = r:events{ type = "purchase" }
  expect(#buys):to_be_at_least(1)
  local thanks = r:sends{ to = "member:", contains = "谢谢惠顾" }
  expect(#thanks):to_be_between(1, #buys)
  expect(r:lines{ ev = "tag", tag = "buyer" }):to_have_length(#thanks)
  expect(r:events{ type = "purchase", member = buys[1].member }[1]):to_equal(buys[1])
  expect(r:lines{ ev = "error" }):to_have_length(0)
end)

test("requests, summary, never", function()
  expect(#r:requests{}):to_be(#r:sends{})
  expect(#r:requests{ channel = "out" }):to_be(#r:sends{ to = "group:" })
  expect(#r:sends{ channel = "console" }):to_be(#r:sends{ to = "member:" })
  expect(r:requests{ contains = "红包雨" }):to_have_length(1)
  local s = r:summary()
  expect(s.sim.seed):to_be(1)
  expect(s.sim.timezone):to_be("Asia/Shanghai")
  expect(s.playbook.name):to_be("mini-flash-sale")
  expect(r:sends{}).never:to_have_length(0)
  expect(1).never:to_be(2)
  expect(nil).never:to_be_truthy()
  expect({ 1, 2 }):to_contain(2)
  expect("abc"):to_contain("b")
  expect({ a = { 1, 2 } }):to_equal({ a = { 1, 2 } })
end)

test("the same run is cached; another seed is another run", function()
  local again = sim.run("flash_sale.lua", { days = 7, config = "team.lua", start = "2026-11-23 00:00" })
  expect(again):to_be(r)
  local other = sim.run("flash_sale.lua", { config = "team.lua", start = "2026-11-23 00:00", seed = 2 })
  expect(other).never:to_be(r)
  expect(other:summary().sim.seed):to_be(2)
end)

test("a playbook that does not load", function()
  expect(function() sim.run("nosuch.lua") end):to_fail_with('sim.run: file "nosuch.lua": No such file')
  expect(function() sim.run("flash_sale.lua", { audiance = 3 }) end)
    :to_fail_with("no option 'audiance' (did you mean 'audience'?")
end)

test("times read in each run's zone", function()
  local utc = sim.run("flash_sale.lua", { config = "team_utc.lua", start = "2026-11-23 00:00" })
  local notices = utc:sends{ contains = "还有", between = { "wed 00:00", "thu 00:00" } }
  expect(notices):to_have_length(1)
  expect(notices[1].t):to_be("2026-11-25T20:00:00+00:00")
  expect(notices[1].at - r:sends{ contains = "还有 3 天" }[1].at):to_be(8 * 3600)
  expect(utc:time("2026-11-25 20:00") - r:time("2026-11-25 20:00")):to_be(8 * 3600)
  expect(r:sends{ contains = "还有", between = { "wed 20:00", "wed 20:01" } }):to_have_length(1)
  expect(utc:summary().sim.timezone):to_be("UTC")
end)
