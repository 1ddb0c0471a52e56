playbook { name = "relative", version = "1.0.0",
           params = { start = { type = "time", default = "sat 20:00" } } }
-- names that carry the time, as a countdown's and a weekly campaign's do
schedule.at(params.start, "sale@" .. params.start, function(occ)
  log("sale %s", os.date("%Y-%m-%d %H:%M", occ.due))
end)
local t = schedule.time("sat 21:00") -- a literal time at the top level: the same rule
schedule.at(t, "late@" .. t, function() log("late") end)
