-- weekend_flash_sale_fails.lua — fails on purpose: the failure shown in
-- docs/testing.md ("Reading a failure"). Not named *_test.lua, so that
-- `qun test docs/examples` leaves it out; name it to run it.
local r = sim.run("weekend_flash_sale.lua", {
  config = "team.lua",
  env    = { WECOM_KEY = "test-key" },
  start  = "2026-11-23 00:00",
})

test("a notice a day for four days", function()
  expect(r:sends{ contains = "开抢,还有" }):to_have_length(4)
end)
