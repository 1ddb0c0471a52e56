-- team_ny.lua — docs/time.md: a team in New York (a zone with DST).
timezone = "America/New_York"
params   = { group = "ny-1" }
