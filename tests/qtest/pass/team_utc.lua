-- team_utc.lua — the fixture config in another zone.
timezone = "UTC"
