-- daily_sop_test.lua — seed 000's day, rehearsed for a week on the example
-- team config (eight groups): the timeline of every group, the week's
-- products and notes in order, points for check-ins, the streak bonus.
local env = {}
for i = 1, 8 do env["WECOM_KEY_SH" .. i] = "test-key-" .. i end

local opts = {
  config   = "daily_sop.team.lua",
  env      = env,
  start    = "2026-11-23 00:00", -- a Monday
  days     = 7,
  audience = 800,               -- 100 a group: enough for every reaction, and fast
}
local r = sim.run("daily_sop.lua", opts)

local DAY = 86400
local function day(d) return r:time("2026-11-23 00:00") + (d - 1) * DAY end
local function at(d, hhmm) return r:time("2026-11-23 " .. hhmm) + (d - 1) * DAY end

-- The week of the default params, Monday first.
local products = { "轻暖羽绒服", "保湿修护面霜", "羊毛混纺围巾", "便携保温杯", "加厚打底裤", "护手霜礼盒", "懒人收纳箱" }
local themes = { "羽绒服怎么洗不结块", "换季皮肤泛红怎么办", "围巾的三种系法", "冬天怎么喝够水",
                 "打底裤怎么选不显腿粗", "手部护理三步走", "换季衣物收纳" }

test("every group, every day: 09:00, 10:00, 14:00, 14:10, 20:00 — and nothing else", function()
  for g = 1, 8 do
    local to = "group:sh-" .. g
    for d = 1, 7 do
      local sends = r:sends{ to = to, between = { day(d), day(d + 1) } }
      expect(sends, to .. " day " .. d):to_have_length(5)
      expect(sends[1].at):to_be(at(d, "09:00"))
      expect(sends[1].job):to_be("morning")
      expect(sends[2].at):to_be(at(d, "10:00"))
      expect(sends[2].job):to_be("new-product")
      expect(sends[3].at):to_be(at(d, "14:00"))
      expect(sends[3].job):to_be("knowledge")
      expect(sends[4].at):to_be(at(d, "14:10"))
      expect(sends[4].job):to_be("mini_game")
      expect(sends[5].at):to_be(at(d, "20:00"))
      expect(sends[5].job):to_be("daily-push")
    end
  end
  expect(#r:sends{}):to_be(8 * 7 * 5)
  expect(r:sends{ to = "member:" }):to_have_length(0) -- a group SOP: nothing one to one
end)

test("① good morning: check in for points, with the page", function()
  local s = r:sends{ to = "group:sh-1", job = "morning" }[1]
  expect(s.msg.text):to_contain("早安")
  expect(s.msg.text):to_contain("签到领 10 积分")
  expect(s.msg.text):to_contain("连续签到 7 天再送 30 积分")
  expect(s.msg.text):to_contain("https://shop.example/checkin")
end)

test("② a new product a day, Monday first: selling points, scene, link", function()
  local launches = r:sends{ to = "group:sh-3", job = "new-product" }
  expect(launches):to_have_length(7)
  for d, s in ipairs(launches) do
    expect(s.msg.link.title):to_be("【新品上市】" .. products[d])
    expect(s.msg.link.url):to_be("https://shop.example/p/10" .. d)
  end
  expect(launches[1].msg.link.description):to_be("90%白鸭绒，一手可握，机洗不跑绒。适合通勤、出差、周末短途，点击购买 👉")
end)

test("③ the knowledge share and ④ the mini-game right after it, on the same theme", function()
  local notes = r:sends{ to = "group:sh-2", job = "knowledge" }
  local games = r:sends{ to = "group:sh-2", job = "mini_game" }
  expect(notes):to_have_length(7)
  expect(games):to_have_length(7)
  for d = 1, 7 do
    expect(notes[d].msg.text):to_contain("【干货分享】" .. themes[d])
    expect(notes[d].msg.text):to_contain("「" .. products[d] .. "」") -- tied to the day's product
    expect(games[d].msg.text):to_contain("【互动小游戏】")
    expect(games[d].msg.text):to_contain("「" .. themes[d] .. "」")
    expect(games[d].at - notes[d].at):to_be(10 * 60)
  end
  expect(games[1].msg.text):to_contain("羽绒服能不能直接放进洗衣机")
end)

test("⑤ the daily push: the week's picks so far and the discounts", function()
  local pushes = r:sends{ to = "group:sh-1", job = "daily-push" }
  expect(pushes):to_have_length(7)
  for d, s in ipairs(pushes) do
    local cards = s.msg.news
    expect(cards, "cards on day " .. d):to_have_length(1 + d)
    expect(cards[1].title):to_be("本周推品合集|限时优惠")
    expect(cards[1].description):to_be("本周满199减30，会员下单再享95折，周日24点截止")
    expect(cards[1 + d].title):to_be(products[d])
  end
end)

test("members react: check-ins, clicks, purchases", function()
  expect(#r:events{ type = "checkin" }):to_be_at_least(100)
  expect(#r:events{ type = "link.click" }):to_be_at_least(100)
  expect(#r:events{ type = "purchase" }):to_be_at_least(10)
end)

-- Points: 10 for each day a member checked in, 30 more at each 7th day in a
-- row; the attr lines say what each member has.
local function local_day(t) return (t - day(1)) // DAY + 1 end

local function expected_points(checkins)
  local days, points = {}, {}
  for _, e in ipairs(checkins) do
    days[e.member] = days[e.member] or {}
    days[e.member][local_day(e.at)] = true
  end
  for m, ds in pairs(days) do
    local p, streak = 0, 0
    for d = 1, 7 do
      if ds[d] then
        streak = streak + 1
        p = p + 10 + (streak % 7 == 0 and 30 or 0)
      else
        streak = 0
      end
    end
    points[m] = p
  end
  return points
end

local function points_now(run)
  local now = {}
  for _, l in ipairs(run:lines{ ev = "attr", key = "points" }) do now[l.member] = l.value end
  return now
end

test("points: the first check-in of each day, a bonus for seven days in a row", function()
  local want, got = expected_points(r:events{ type = "checkin" }), points_now(r)
  local members, streaks = 0, 0
  for m, p in pairs(want) do
    expect(got[m], m .. "'s points"):to_be(p)
    members = members + 1
    if p == 7 * 10 + 30 then streaks = streaks + 1 end
  end
  for m in pairs(got) do expect(want[m], m .. " checked in"):to_be_truthy() end
  expect(members):to_be_at_least(100)
  expect(streaks, "members with a full week"):to_be_at_least(1)
  expect(#r:lines{ ev = "tag", tag = "连续签到7天" }):to_be(streaks)
end)

test("a second check-in the same day earns nothing", function()
  -- A variant whose mini-game also asks to check in: two check-ins a day.
  local twice = sim.run("daily_sop.lua", {
    config = opts.config, env = env, start = opts.start, days = 3, audience = 200,
    set = { game_text = "【互动小游戏】{game}（回复答案顺便打卡）" },
  })
  local checkins = twice:events{ type = "checkin" }
  local per_day = {}
  local doubles = 0
  for _, e in ipairs(checkins) do
    local k = e.member .. "@" .. (e.at - day(1)) // DAY
    per_day[k] = (per_day[k] or 0) + 1
    if per_day[k] == 2 then doubles = doubles + 1 end
  end
  expect(doubles, "members who checked in twice a day"):to_be_at_least(5)
  local want, got = expected_points(checkins), points_now(twice)
  for m, p in pairs(want) do expect(got[m], m .. "'s points"):to_be(p) end
end)

test("nothing in quiet hours, no errors", function()
  for d = 1, 7 do
    expect(r:sends{ between = { at(d, "22:00"), at(d + 1, "08:00") } }):to_have_length(0)
  end
  expect(r:lines{ ev = "deferred" }):to_have_length(0)
  expect(r:lines{ ev = "error" }):to_have_length(0)
end)

test("a malformed product or note stops the playbook at load", function()
  expect(function()
    sim.run("daily_sop.lua", { config = opts.config, env = env, days = 1, audience = 10,
                               set = { products = "轻暖羽绒服|保暖|通勤" } })
  end):to_fail_with("param 'products', item 1: expected 名称|卖点|使用场景|链接")
  expect(function()
    sim.run("daily_sop.lua", { config = opts.config, env = env, days = 1, audience = 10,
                               set = { products = "轻暖羽绒服|保暖|通勤|shop.example/p/1" } })
  end):to_fail_with("is not a URL")
end)
