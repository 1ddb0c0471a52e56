channels = {
  wx = { type = "wecom", key = env("QUN_TEST_NOT_SET") },
}
