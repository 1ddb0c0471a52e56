-- team_wecom.lua — a config that needs a secret from the environment.
channels = { wx = { type = "wecom", key = env("QUN_QTEST_WECOM_KEY") } }
groups   = { ["sh-1"] = { name = "上海1群", channel = "wx" } }
