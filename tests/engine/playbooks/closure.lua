playbook { name = "closure", version = "1.0.0" }
schedule.at("2026-11-23 10:00", "s", function()
  schedule.after("1h", function() end)
end)
