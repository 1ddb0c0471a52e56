-- weekend_flash_sale_test.lua — the example of docs/testing.md. Run it with
-- `qun test docs/examples`.
local r = sim.run("weekend_flash_sale.lua", {
  config   = "team.lua",
  env      = { WECOM_KEY = "test-key" },
  start    = "2026-11-23 00:00", -- a Monday: the sale is that Saturday at 20:00
  days     = 7,
  audience = 200,
})

test("a notice a day, Wed/Thu/Fri at 20:00", function()
  local notices = r:sends{ to = "group:sh-1", contains = "开抢,还有" }
  expect(notices):to_have_length(3)
  expect(notices[1].t):to_be("2026-11-25T20:00:00+08:00")
  expect(notices[3].msg.text):to_contain("还有 1 天")
end)

test("the red-packet rain is announced an hour before", function()
  local rain = r:sends{ contains = "红包雨", between = { "sat 00:00", "sat 20:00" } }
  expect(rain):to_have_length(1)
  expect(rain[1].at):to_be(r:time("2026-11-28 19:00"))
end)

test("nothing lands in quiet hours", function()
  expect(r:sends{ between = { "2026-11-28 22:00", "2026-11-29 08:00" } }):to_have_length(0)
end)

test("every buyer is thanked, after buying", function()
  local first = {}
  for _, e in ipairs(r:events{ type = "purchase" }) do
    first[e.member] = first[e.member] or e.at
  end
  local thanks = r:sends{ to = "member:", contains = "谢谢惠顾" }
  expect(#thanks):to_be_at_least(1)
  for _, s in ipairs(thanks) do
    local buyer = s.to:sub(#"member:" + 1)
    expect(first[buyer], s.to .. " bought"):to_be_truthy()
    expect(s.at):to_be_at_least(first[buyer])
  end
end)

test("no handler raised an error", function()
  expect(r:lines{ ev = "error" }):to_have_length(0)
end)

test("the robot's requests", function()
  local reqs = r:requests{ channel = "wx" }
  expect(#reqs):to_be(#r:sends{ to = "group:sh-1" })
  expect(reqs[1].url):to_contain("key=***") -- credentials never show
end)
