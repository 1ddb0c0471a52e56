playbook { name = "broken", version = "1.0.0" }
schedule.every("09:00", "morning", function()
  send("g1", "早安" .. )
end)
