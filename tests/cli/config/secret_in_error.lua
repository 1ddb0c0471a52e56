channels = { hook = { type = "webhook", url = "https://ops.example/qun" } }
members_channel = env("QUN_TEST_WECOM_KEY")
