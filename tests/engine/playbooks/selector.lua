playbook { name = "selector", version = "1.0.0" }
schedule.at("2026-11-23 10:00", "s", function()
  send({ group = "sh-1", tier = {} }, "hi")
end)
schedule.at("2026-11-23 10:10", "m", function()
  for _ in members { tag = { 1 } } do end
end)
schedule.at("2026-11-23 10:20", "w", function()
  for _ in members { where = true } do end
end)
