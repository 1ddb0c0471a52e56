channels = { wx = { type = "console" } }
groups = { ["g1"] = { channel = "wx2" } }
