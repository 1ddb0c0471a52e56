-- greet.lua — docs/sharing.md: a playbook that another team can read,
-- check and run without asking its author.
playbook {
  name    = "greet",
  version = "1.2.0",
  title   = "轮换早安",
  summary = "A good morning at 09:00, worded differently each day (lib/words.lua).",
  params  = {
    group = { type = "group",  doc = "the group to greet" },
    at    = { type = "string", default = "09:00", doc = "when, every day (HH:MM, the team's zone)" },
  },
}
local P = params
local words = require "lib.words"

schedule.every(P.at, "morning", function(occ)
  send(P.group, words.pick(words.morning, occ.due // DAY))
end)
