channels = {
  fs = { type = "feishu", hook = "abc", rate = { "5/s", "100/minute" } },
}
