channels = { wx = { type = "console" } }
groups = { ops = { channel = "wx", internal = "yes" } }
