-- team.lua — the fixture team config: one console group, quiet hours.
timezone    = "Asia/Shanghai"
quiet_hours = "22:00-08:00"
channels    = { out = { type = "console" } }
groups      = { ["sh-1"] = { name = "上海1群", channel = "out" } }
params      = { url = "https://shop.example/sale?k=" .. env("QUN_QTEST_TOKEN", "none") }
