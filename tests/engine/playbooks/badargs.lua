playbook { name = "badargs", version = "1.0.0" }
function jobs.j() end
schedule.at("2026-11-23 10:00", "s", function()
  schedule.after("1h", jobs.j, { f = print })
end)
