playbook { name = "dup", version = "1.0.0" }
schedule.every("09:00", "x", function() end)

schedule.every("10:00", "x", function() end)
