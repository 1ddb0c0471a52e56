channels = { hook = { type = "webhook", url = "x" } }
members_channel = env("QUN_TEST_WECOM_KEY")
