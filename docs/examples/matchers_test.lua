-- matchers_test.lua — every matcher of docs/testing.md, on the example run.
local r = sim.run("weekend_flash_sale.lua", {
  config = "team.lua",
  env    = { WECOM_KEY = "test-key" },
  start  = "2026-11-23 00:00",
})

test("matchers", function()
  expect(#r:sends{ job = "open" }):to_be(1)
  expect(r:sends{ job = "open" }[1].msg):to_equal({
    link = { title = "限时抢购开始", description = "只有两小时", url = "https://shop.example/sale" },
  })
  expect(#r:events{ type = "purchase" }):to_be_at_least(1)
  expect(#r:sends{ to = "group:sh-1", between = { "sat 00:00", "sun 00:00" } }):to_be_at_most(4)
  expect(r:sends{ job = "notice-3" }[1].at):to_be_between(r:time("wed 00:00"), r:time("wed 23:59"))
  expect(r:sends{ job = "rain" }[1].msg.markdown):to_contain("红包雨")
  expect({ "wx", "ding" }):to_contain("wx")
  expect(r:sends{ to = "group:sh-1" }):to_have_length(7)
  expect(r:sends{ job = "last-call" }[1]):to_be_truthy()
  expect(function() sim.run("weekend_flash_sale.lua", { set = { start = "never" } }) end)
    :to_fail_with("param 'start'")
end)

test("never, labels, chains", function()
  expect(r:sends{ contains = "广告" }).never:to_have_length(1)
  expect(#r:sends{ to = "group:" }, "group messages"):to_be_at_least(1):to_be_at_most(10)
end)
