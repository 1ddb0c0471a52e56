-- hello.lua — the playbook of docs/quickstart.md: a group's morning
-- (seed 000: a good morning with a check-in reminder, points for checking in).
playbook {
  name    = "hello",
  version = "1.0.0",
  title   = "早安打卡",
  params  = {
    group  = { type = "group",   doc = "the group to greet" },
    points = { type = "integer", default = 10, doc = "points per check-in" },
  },
}
local P = params

schedule.every("09:00", "morning", function()
  send(P.group, "早安!今天签到领 {points} 积分 👉 回复「签到」", { points = P.points })
end)

on("checkin", function(ev)
  tag.add(ev.member, "签到")
  log("%s checked in", ev.member.id)
end)
