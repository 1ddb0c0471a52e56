quiet_hours = "22:00-08:00"
channels = { wx = { type = "wecom", key = env("QUN_TEST_WECOM_KEY") } }
groups = { ["sh-1"] = { channel = "wx" } }
