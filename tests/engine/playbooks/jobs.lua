playbook { name = "jobs", version = "1.0.0" }
local cancelled
schedule.at("2026-11-23 10:00", "start", function()
  schedule.after("1h", jobs.remind, { who = "m1", n = 1 })
  local id = schedule.after("2h", jobs.remind, { who = "m2", n = 2 })
  schedule.at("2026-11-23 10:30", jobs.remind, { who = "m3", n = 3 })
  cancelled = schedule.cancel(id)
  log("cancelled: %s", tostring(cancelled))
end)
function jobs.remind(args) log("remind %s %d", args.who, args.n) end
