-- example.lua — the smallest useful playbook: a group's daily rhythm
-- (seed 000: 09:00 good morning + check-in, 10:00 new product,
-- 14:00 knowledge share, then a mini-game on the same theme).
playbook {
  name    = "daily-rhythm",
  version = "1.0.0",
  title   = "社群每日节奏",
  summary = "Good morning and check-in, new product, knowledge share and a mini-game, every day.",
  params  = {
    group       = { type = "group",   doc = "the group to run in" },
    checkin_url = { type = "string",  default = "https://shop.example/checkin", doc = "签到页" },
    points      = { type = "integer", default = 10, doc = "points per check-in" },
    topics      = { type = "list",    of = "string", default = { "穿搭", "护肤", "收纳" },
                    doc = "knowledge-share themes, one per day in turn" },
  },
}

local P = params

local function topic(day) -- one theme a day, in turn
  return P.topics[(day // DAY) % #P.topics + 1]
end

schedule.every("09:00", "morning", function()
  send(P.group, "早安!今天签到领 {points} 积分 👉 {url}", { points = P.points, url = P.checkin_url })
end)
schedule.every("10:00", "new-product", function()
  send(P.group, "新品上架:卖点 + 链接")
end)
schedule.every("14:00", "knowledge", function(occ)
  send(P.group, "干货分享:{topic}", { topic = topic(occ.due) })
end)
schedule.every("14:20", "mini-game", function(occ)
  send(P.group, "小游戏:和「{topic}」有关的接龙", { topic = topic(occ.due) })
end)
