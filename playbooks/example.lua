-- example.lua — the smallest useful playbook: a group's daily rhythm
-- (seed 000: 09:00 good morning + check-in, 10:00 new product,
-- 14:00 knowledge share, then a mini-game on the same theme).
-- Until delivery lands, each step writes what it would post to the log.
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
  log("[%s] 早安!今天签到领 %d 积分 👉 %s", P.group, P.points, P.checkin_url)
end)
schedule.every("10:00", "new-product", function()
  log("[%s] 新品上架:卖点 + 链接", P.group)
end)
schedule.every("14:00", "knowledge", function(occ)
  log("[%s] 干货分享:%s", P.group, topic(occ.due))
end)
schedule.every("14:20", "mini-game", function(occ)
  log("[%s] 小游戏:和「%s」有关的接龙", P.group, topic(occ.due))
end)
