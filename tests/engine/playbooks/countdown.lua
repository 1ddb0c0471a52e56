playbook { name = "countdown", version = "1.0.0" }
local deadline = schedule.time("2026-11-28 22:00")
countdown(deadline, { "3h", "2h", "1h30m", "10m", "2h", "120m", -60 }, function(left)
  send("g1", "还剩 {left}!", { left = left })
  log("left %d %s / %s", left.seconds, tostring(left), "还剩 " .. left)
end)
