-- team.lua — the team config of docs/testing.md: one WeCom group, quiet
-- hours at night. The robot's key comes from the environment; a test gives
-- it in sim.run's env = { ... } (a test never reads the real environment).
timezone    = "Asia/Shanghai"
quiet_hours = "22:00-08:00"
channels    = { wx = { type = "wecom", key = env("WECOM_KEY") } }
groups      = { ["sh-1"] = { name = "上海1群", channel = "wx" } }
params      = { group = "sh-1" }
