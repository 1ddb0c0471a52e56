channels = { s = { type = "slack", url = "hooks.slack.com/x" } }
