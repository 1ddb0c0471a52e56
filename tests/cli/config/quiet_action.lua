quiet_hours = { window = "22:00-08:00", action = "skip" }
