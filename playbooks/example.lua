-- example.lua — the smallest useful playbook: a group's daily rhythm
-- (seed 000: 09:00 good morning + check-in, 10:00 new product,
-- 14:00 knowledge share, then a mini-game on the same theme).
playbook {
  name    = "daily-rhythm",
  version = "1.0.0",
  title   = "社群每日节奏",
  summary = "Good morning and check-in, new product, knowledge share and a mini-game, every day.",
  params  = {
    group       = { type = "group",  doc = "the group to run in" },
    checkin_url = { type = "string", default = "https://shop.example/checkin", doc = "签到页" },
    points      = { type = "integer", default = 10, doc = "points per check-in" },
    morning     = { type = "time",   default = "09:00", doc = "first message of the day" },
    topics      = { type = "list",   of = "string", default = { "穿搭", "护肤", "收纳" },
                    doc = "knowledge-share themes, one per day in turn" },
  },
}

local P = params

-- The day's plan, as (minutes after the morning message, what to post).
local plan = {
  { 0,   "早安!今天签到领 " .. P.points .. " 积分 👉 " .. P.checkin_url },
  { 60,  "新品上架:卖点 + 链接" },
  { 300, "干货分享:" .. P.topics[1] },
  { 320, "小游戏:和「" .. P.topics[1] .. "」有关的接龙" },
}

for _, step in ipairs(plan) do
  print(os.date("%H:%M", P.morning + step[1] * MINUTE) .. "  " .. step[2])
end
