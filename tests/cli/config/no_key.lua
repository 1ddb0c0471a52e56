channels = { wx = { type = "wecom" } }
