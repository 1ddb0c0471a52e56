-- daily_sop.lua — a brand group's day (seed 000, 社群运营SOP, "以某社群的一天SOP为例"):
--   ① 09:00 早安问候 & 签到提醒: good morning, check in for points (a habit of
--      opening the group every day);
--   ② 10:00 新品上市: the day's new product, its selling points and where it
--      is used, with the product link (a shorter path to buying);
--   ③ 14:00 干货分享: a knowledge note on a theme tied to the products;
--   ④ 互动小游戏: right after the note, a game on the same theme;
--   ⑤ 日常推品: the week's picks so far and the discounts.
-- Check-ins arrive as `checkin` events (from the check-in page); points are
-- the member attribute `points` (m:set), with a bonus for a streak of days.
playbook {
  name    = "daily-sop",
  version = "1.0.0",
  title   = "社群每日SOP：早安签到、新品、干货、小游戏、推品",
  summary = "Seed 000's day: 09:00 good morning and check-in for points, 10:00 a new product "
         .. "with its selling points and link, 14:00 a knowledge share, a mini-game on the same "
         .. "theme right after it, and the evening push of the week's picks with the discounts.",
  params  = {
    groups = { type = "list", of = "group",
               doc = "the groups that run this day (ids of the team config, one robot each)" },

    -- ① good morning and check-in
    morning_at   = { type = "string", default = "09:00",
                     doc = "① good morning + check-in reminder: a schedule spec (\"09:00\", \"mon-fri 09:00\")" },
    morning_text = { type = "string",
                     default = "早安☀️ 新的一天从签到开始！今天签到领 {points} 积分，连续签到 {streak} 天再送 {bonus} 积分 👉 {url}",
                     doc = "the morning message: {points}, {streak}, {bonus} and {url} fill in" },
    checkin_url  = { type = "string", default = "https://shop.example/checkin", doc = "签到页 (the check-in page)" },
    points       = { type = "integer", default = 10, doc = "points for a member's first check-in of the day" },
    streak       = { type = "integer", default = 7, doc = "a streak of this many days in a row earns the bonus" },
    bonus        = { type = "integer", default = 30, doc = "extra points at the end of each streak" },

    -- ② new product
    product_at = { type = "string", default = "10:00", doc = "② the day's new product: a schedule spec" },
    products   = { type = "list", of = "string",
                   default = {
                     "轻暖羽绒服|90%白鸭绒，一手可握，机洗不跑绒|通勤、出差、周末短途|https://shop.example/p/101",
                     "保湿修护面霜|神经酰胺+积雪草，换季泛红一抹就稳|空调房、换季、熬夜后|https://shop.example/p/102",
                     "羊毛混纺围巾|不扎脖子，一条配三种系法|上班、约会、逛街|https://shop.example/p/103",
                     "便携保温杯|12小时保温，一键开盖单手喝|办公室、健身房、自驾|https://shop.example/p/104",
                     "加厚打底裤|内里抓绒，显瘦不勒腰|零下出门、久坐办公|https://shop.example/p/105",
                     "护手霜礼盒|三种香型，吸收快不粘手|办公桌、随身包、送礼|https://shop.example/p/106",
                     "懒人收纳箱|可折叠可叠放，换季衣物一箱装|衣柜、床底、搬家|https://shop.example/p/107",
                   },
                   doc = "the week's new products, Monday first (one a day; a shorter list repeats): "
                      .. "名称|卖点|使用场景|链接" },

    -- ③ knowledge share and ④ the mini-game
    knowledge_at = { type = "string", default = "14:00", doc = "③ the knowledge share: a schedule spec" },
    tips         = { type = "list", of = "string",
                     default = {
                       "羽绒服怎么洗不结块|羽绒服尽量少洗；局部脏了用中性洗涤剂轻擦，整件水洗选羽绒专用程序，晾干后用手拍松|羽绒服能不能直接放进洗衣机？回复 A 能 / B 不能",
                       "换季皮肤泛红怎么办|先停用去角质和高浓度酸类，洁面温和、保湿打底，白天一定防晒|泛红的时候，下面哪个先停用？回复 A 保湿霜 / B 去角质",
                       "围巾的三种系法|巴黎结最显脸小，单边搭肩最随性，对折穿环最保暖|你最常用哪种系法？回复 1 巴黎结 / 2 搭肩 / 3 穿环",
                       "冬天怎么喝够水|每天 1.5–1.7 升，少量多次；保温杯放在手边，看到就喝两口|你今天已经喝了几杯水？回复数字接龙",
                       "打底裤怎么选不显腿粗|深色、竖纹、高腰更显瘦；长度到脚踝刚好，别堆在鞋口|你最常穿的打底裤是什么颜色？回复颜色接龙",
                       "手部护理三步走|洗手后 1 分钟内擦护手霜，睡前厚涂戴手套，一周一次去角质|猜猜看：护手霜最好在洗手后多久内涂？回复 A 1分钟 / B 1小时",
                       "换季衣物收纳|先洗净晾透再收，羽绒服不要真空压缩，樟木或防虫片放上层|你家衣柜最乱的是哪一格？回复晒图接龙",
                     },
                     doc = "the week's knowledge notes, Monday first, each tied to that day's product: "
                        .. "主题|干货|小游戏题目" },
    game_after = { type = "duration", default = "10m", doc = "④ how long after the knowledge share the mini-game starts" },
    game_text  = { type = "string", default = "【互动小游戏】{game}\n和「{theme}」有关，回复你的答案，和群友一起玩~",
                   doc = "the mini-game message: {game}, {theme} and {product} fill in" },

    -- ⑤ the daily push
    push_at   = { type = "string", default = "20:00", doc = "⑤ the push of the week's picks: a schedule spec" },
    picks_url = { type = "string", default = "https://shop.example/weekly", doc = "the page of the week's picks" },
    discount  = { type = "string", default = "本周满199减30，会员下单再享95折，周日24点截止",
                  doc = "优惠播报 (the discounts announced with the picks)" },
  },
}

local P = params

-- Params read once, at load: a malformed entry stops the playbook with the
-- file and line here, so `qun check` finds it before any group does.
local function fields(list, name, n, shape)
  local out = {}
  for i, entry in ipairs(list) do
    local f = {}
    for part in (entry .. "|"):gmatch("(.-)|") do f[#f + 1] = part end
    if #f ~= n then
      error(("param '%s', item %d: expected %s, got %q"):format(name, i, shape, entry))
    end
    out[i] = f
  end
  if #out == 0 then error(("param '%s' is empty"):format(name)) end
  return out
end

local products = {}
for i, f in ipairs(fields(P.products, "products", 4, "名称|卖点|使用场景|链接")) do
  if not f[4]:match("^https?://") then
    error(("param 'products', item %d: the link %q is not a URL (https://...)"):format(i, f[4]))
  end
  products[i] = { name = f[1], points = f[2], scene = f[3], url = f[4] }
end
local tips = {}
for i, f in ipairs(fields(P.tips, "tips", 3, "主题|干货|小游戏题目")) do
  tips[i] = { theme = f[1], text = f[2], game = f[3] }
end

-- The day of the week of a time, Monday = 1: the week's plan is one product
-- and one note a day from Monday, so "本周推品" is what launched so far.
local function weekday(t)
  return (os.date("*t", t).wday + 5) % 7 + 1
end
local function product_of(w) return products[(w - 1) % #products + 1] end
local function tip_of(w) return tips[(w - 1) % #tips + 1] end

-- A member's local day, as the date the streak remembers ("2026-11-23").
local function midnight(t)
  local d = os.date("*t", t)
  return os.time { year = d.year, month = d.month, day = d.day, hour = 0 }
end
local function date_of(t) return os.date("%Y-%m-%d", t) end

local function each_group(fn)
  for _, g in ipairs(P.groups) do fn(g) end
end

-- ① 早安问候 & 签到提醒
schedule.every(P.morning_at, "morning", function()
  each_group(function(g)
    send(g, P.morning_text, { points = P.points, streak = P.streak, bonus = P.bonus, url = P.checkin_url })
  end)
end)

-- Points for checking in: the first check-in of a member's day counts (the
-- member remembers the day it last counted: a second check-in, or the same
-- one posted twice, earns nothing); a streak of P.streak days in a row adds
-- the bonus. The check-in page posts
-- a `checkin` event (POST /events); check-ins from groups that do not run
-- this playbook are left to theirs.
local ours = {}
for _, g in ipairs(P.groups) do ours[g] = true end

on("checkin", function(ev)
  if ev.group and not ours[ev.group] then return end
  local m, today = ev.member, midnight(ev.at)
  local a = m.attrs
  if a.checkin_day == date_of(today) then return end -- counted today already
  local yesterday = date_of(today - 12 * HOUR)
  local streak = a.checkin_day == yesterday and (a.checkin_streak or 0) + 1 or 1
  local earned = P.points
  if streak % P.streak == 0 then
    earned = earned + P.bonus
    tag.add(m, "连续签到" .. P.streak .. "天")
  end
  m:set("points", (a.points or 0) + earned)
  m:set("checkin_day", date_of(today))
  m:set("checkin_streak", streak)
end)

-- ② 新品上市: a link card, selling points and scene in the description.
schedule.every(P.product_at, "new-product", function(occ)
  local p = product_of(weekday(occ.due))
  each_group(function(g)
    send(g, { link = { title = "【新品上市】{name}",
                       description = "{points}。适合{scene}，点击购买 👉",
                       url = p.url } },
         { name = p.name, points = p.points, scene = p.scene })
  end)
end)

-- ③ 干货分享, and ④ the mini-game on the same theme right after it (a
-- one-off job: durable, so a restart between the two still plays it).
schedule.every(P.knowledge_at, "knowledge", function(occ)
  local w = weekday(occ.due)
  local t, p = tip_of(w), product_of(w)
  each_group(function(g)
    send(g, "【干货分享】{theme}\n{text}\n今天的新品「{product}」也正好用得上。",
         { theme = t.theme, text = t.text, product = p.name })
  end)
  schedule.after(P.game_after, jobs.mini_game, { weekday = w })
end)

function jobs.mini_game(args)
  local t, p = tip_of(args.weekday), product_of(args.weekday)
  each_group(function(g)
    send(g, P.game_text, { game = t.game, theme = t.theme, product = p.name })
  end)
end

-- ⑤ 日常推品: 本周推品合集 (Monday's product up to today's) + 优惠播报, as
-- one news card: the discounts first, then a card per product.
schedule.every(P.push_at, "daily-push", function(occ)
  local w = weekday(occ.due)
  local cards = { { title = "本周推品合集|限时优惠", description = P.discount, url = P.picks_url } }
  local seen = {}
  for d = 1, math.min(w, 7) do
    local p = product_of(d)
    if not seen[p] and #cards < 8 then
      seen[p] = true
      cards[#cards + 1] = { title = p.name, description = p.points, url = p.url }
    end
  end
  each_group(function(g) send(g, { news = cards }) end)
end)
