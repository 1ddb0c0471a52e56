playbook { name = "rain", version = "1.0.0" }
local rain = require "qun.rain"
local plan = rain.plan { at = "2026-11-28 19:00", window = "10m", packets = 4, total = "100.01",
                         count = 5, group = "g1", note = "红包雨" }
for _, p in ipairs(plan) do log("%s %d %d", p.name, p.at, p.total) end
