channels = { wx = { type = "wechat" } }
