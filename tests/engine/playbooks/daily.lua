playbook { name = "daily", version = "1.0.0" }
schedule.every("09:00", "morning", function(occ) log("morning %s", os.date("%a", occ.due)) end)
schedule.at("2026-11-24 12:00", "once", function() log("once") end)
