-- dst.lua — docs/time.md: a daily 02:30 and a daily 01:30 across the
-- nights a New York clock springs forward and falls back.
playbook { name = "dst-demo", version = "1.0.0", params = { group = { type = "group" } } }
local P = params

schedule.every("02:30", "night", function()
  send(P.group, "02:30 check")
end)
schedule.every("01:30", "fall-back", function()
  send(P.group, "01:30 check")
end)
