grace = "10m"

channels = { wx = { type = "wecom", kye = "x" } }
