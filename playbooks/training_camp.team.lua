-- training_camp.team.lua — an example team config for training_camp.lua:
-- one camp in eight WeCom groups of about 250 (a WeCom robot posts into
-- the one group it was added to: a robot, and a key, per group), 1:1
-- messages through the team's own backend (a webhook that sends them from
-- the teacher's account), events from that backend on POST /events.
-- Secrets come from the environment (WECOM_KEY_1 ... WECOM_KEY_8,
-- HOOK_SECRET, QUN_EVENTS_TOKEN); a test gives them in sim.run's env.
timezone    = "Asia/Shanghai"
quiet_hours = "22:00-08:00"
caps        = { member_per_day = 5 } -- S and A+ get up to 4 on the last day
grace       = "10m"
listen      = { token = env("QUN_EVENTS_TOKEN") }

channels = {
  hook = { type = "webhook", url = "https://ops.example/qun", secret = env("HOOK_SECRET") },
}
members_channel = "hook"

groups = {}
local camp = {}
for i = 1, 8 do
  local id = "camp-" .. i
  channels["wx-" .. i] = { type = "wecom", key = env("WECOM_KEY_" .. i) }
  groups[id] = { name = "Python 入门训练营 " .. i .. " 群", channel = "wx-" .. i }
  camp[#camp + 1] = id
end

params = {
  groups       = camp,
  start        = "2026-11-23 10:00", -- day 0, a Monday: the camp runs to Sunday 21:00
  course_url   = "https://shop.example/python",
  live_url     = "https://live.example/python-camp",
}
