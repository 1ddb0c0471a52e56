-- env_test.lua — a config's env() sees only what the test gives in env = {}
-- (tests/cli/qtest.sh runs this with QUN_QTEST_TOKEN and
-- QUN_QTEST_WECOM_KEY exported: neither may show).
local opts = { config = "team.lua", start = "2026-11-23 00:00", days = 6 }

test("the real environment is not read", function()
  local rain = sim.run("flash_sale.lua", opts):sends{ job = "rain" }
  expect(rain):to_have_length(1)
  expect(rain[1].msg.markdown):to_contain("sale?k=none)")
end)

test("env = {} is the environment", function()
  opts.env = { QUN_QTEST_TOKEN = "t1" }
  local rain = sim.run("flash_sale.lua", opts):sends{ job = "rain" }
  expect(rain[1].msg.markdown):to_contain("sale?k=t1)")
end)

test("a secret the config needs is not needed to rehearse", function()
  local r0 = sim.run("flash_sale.lua", { config = "team_wecom.lua", start = "2026-11-23 00:00", days = 6 })
  expect(#r0:requests{ channel = "wx" }):to_be(#r0:sends{ to = "group:" })
  local r = sim.run("flash_sale.lua", { config = "team_wecom.lua", env = { QUN_QTEST_WECOM_KEY = "k-123" },
                                        start = "2026-11-23 00:00", days = 6 })
  local req = r:requests{ channel = "wx" }
  expect(#req):to_be(#r:sends{ to = "group:" })
  expect(req[1].url):to_be("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***")
end)
