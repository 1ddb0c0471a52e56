-- team_typo.lua — a team config with a typo, for docs/config.md.
timezone    = "Asia/Shanghai"
quiet_hour  = "22:00-08:00"
