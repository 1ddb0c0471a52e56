grace = "10 minutes"
