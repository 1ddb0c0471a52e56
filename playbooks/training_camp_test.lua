-- training_camp_test.lua — the five stages of seed 003 on the example team
-- config (eight groups, camp from Monday 2026-11-23 10:00 to Sunday 21:00).
--
-- Two dry-runs:
--   r  the built-in audience (400 members, 50 a group): the timeline, and
--      tags, tiers and follow-ups checked against what the members did;
--   q  16 members who do nothing by themselves (a quiet model), and the
--      events of testdata/training_camp_events.jsonl: each member's story
--      is exact (profile answers, 未互动, the four tiers, follow-ups).
local GROUPS = 8
local ENV = { QUN_EVENTS_TOKEN = "test-token-0123456789", HOOK_SECRET = "test-secret" }
for i = 1, GROUPS do ENV["WECOM_KEY_" .. i] = "test-key-" .. i end
local r = sim.run("training_camp.lua", {
  config = "training_camp.team.lua", env = ENV, start = "2026-11-23 00:00", days = 7, audience = 400,
})
local q = sim.run("training_camp.lua", {
  config = "training_camp.team.lua", env = ENV, start = "2026-11-23 00:00", days = 7, audience = 16,
  model = "testdata/training_camp_quiet_model.lua", events = "testdata/training_camp_events.jsonl",
})

local COURSE, LIVE = "https://shop.example/python", "https://live.example/python-camp"
local OPEN = r:time("2026-11-24 20:00")

-- Every group message of a job: `per` (1) in each group, all at `t`.
local function in_every_group(job, t, per)
  local s = r:sends{ job = job, to = "group:" }
  expect(s, job):to_have_length(GROUPS * (per or 1))
  for _, m in ipairs(s) do expect(m.at, job):to_be(r:time(t)) end
  return s
end

local function member_of(line) return line.to:sub(#"member:" + 1) end

-- The 1:1 messages a member got in the scripted run: { "11-28 09:30 on consult", ... }
local function story(id)
  local out = {}
  for _, s in ipairs(q:sends{ to = "member:" .. id }) do
    out[#out + 1] = s.t:sub(6, 10) .. " " .. s.t:sub(12, 16) .. " " .. s.job
  end
  return out
end

---------------------------------------------------------------------------
-- The timeline

test("1 营前沟通: Monday 10:00 self-introduction, 10:05 brand, 10:10 schedule; 10:30 the profile question 1:1", function()
  expect(in_every_group("precamp-intro", "2026-11-23 10:00")[1].msg.text):to_contain("我是小鹅老师")
  expect(in_every_group("precamp-brand", "2026-11-23 10:05")[1].msg.text):to_contain("鹅学堂")
  local plan = in_every_group("precamp-schedule", "2026-11-23 10:10")[1].msg.text
  expect(plan):to_contain("开营：11月24日（周二） 20:00")
  expect(plan):to_contain("11月25日（周三） 起，共 3 讲，每晚 20:00 开讲")
  local ask = r:sends{ job = "precamp-profile" }
  expect(#ask):to_be(400) -- every member, 1:1
  expect(ask[1].to):to_contain("member:")
  expect(ask[1].at):to_be(r:time("2026-11-23 10:30"))
  expect(ask[1].msg.text):to_contain("年龄、学历和现在的职业")
  expect(#r:sends{ between = { "2026-11-23 00:00", "2026-11-24 00:00" }, to = "group:" }):to_be(3 * GROUPS)
end)

test("2 触达激活: Tuesday 12:00 trust, 19:00 one hour to go, 20:00 experience, 20:10 how, 20:20 rewards, 20:30 introductions", function()
  expect(in_every_group("open-trust", "2026-11-24 12:00")[1].msg.text):to_contain("正式认识一下鹅学堂")
  in_every_group("open-soon", "2026-11-24 19:00")
  expect(in_every_group("open-experience", "2026-11-24 20:00")[1].msg.text):to_contain("开营啦")
  expect(in_every_group("open-how", "2026-11-24 20:10")[1].msg.text):to_contain("怎么参加")
  expect(in_every_group("open-rewards", "2026-11-24 20:20")[1].msg.text):to_contain("《Python 面试题 100 道》")
  expect(in_every_group("open-introductions", "2026-11-24 20:30")[1].msg.text):to_contain("自我介绍")
  expect(#r:sends{ between = { "2026-11-24 00:00", "2026-11-25 00:00" }, to = "group:" }):to_be(6 * GROUPS)
end)

test("3 集中孵化: Wed-Fri 09:00 reminder, 19:30 half an hour to go, 20:00 the live class, 21:00 homework", function()
  local days = { "2026-11-25", "2026-11-26", "2026-11-27" }
  local titles = { "环境搭建，写出第一个程序", "数据处理实战", "做一个自动化小工具" }
  for i, d in ipairs(days) do
    expect(in_every_group("lesson-" .. i .. "-morning", d .. " 09:00")[1].msg.text):to_contain("打个卡")
    expect(in_every_group("lesson-" .. i .. "-soon", d .. " 19:30")[1].msg.text):to_contain("还有 30 分钟开讲")
    local live = in_every_group("lesson-" .. i .. "-live", d .. " 20:00")[1].msg.link
    expect(live.title):to_be("第 " .. i .. " 讲直播开始：" .. titles[i])
    expect(live.url):to_be(LIVE)
    expect(in_every_group("lesson-" .. i .. "-homework", d .. " 21:00")[1].msg.text):to_contain("作业")
  end
  -- four group messages a class day (the sale opens on the last one)
  expect(#r:sends{ between = { "2026-11-25 00:00", "2026-11-27 00:00" }, to = "group:" }):to_be(8 * GROUPS)
end)

test("3 社群氛围: the homework message cheers, by name and mention, members who came to that class", function()
  local cheered = 0
  for i, d in ipairs { "2026-11-25", "2026-11-26", "2026-11-27" } do
    for _, s in ipairs(r:sends{ job = "lesson-" .. i .. "-homework" }) do
      local group = s.to:sub(#"group:" + 1)
      for _, id in ipairs(s.msg.mention or {}) do
        cheered = cheered + 1
        local came = r:events{ type = "lesson.done", member = id, group = group, between = { d .. " 20:00", d .. " 21:00" } }
        expect(#came, id .. " came to class " .. i):to_be_at_least(1)
      end
      if s.msg.mention then expect(s.msg.text):to_contain("今晚准时来听的同学") end
    end
  end
  expect(cheered):to_be_at_least(GROUPS)
end)

test("4 销售转化 opens Friday 21:15 (the first peak): the offer and its card, 1:1 by tier at 21:20, names at 21:45", function()
  in_every_group("sale-open", "2026-11-27 21:15", 2) -- the offer and the card
  expect(r:sends{ job = "sale-open", to = "group:camp-1" }[2].msg.link.url):to_be(COURSE)
  for _, s in ipairs(r:sends{ job = "sale-open-1v1" }) do expect(s.at):to_be(r:time("2026-11-27 21:20")) end
  expect(#r:sends{ job = "sale-open-1v1" }):to_be_at_least(1)
  in_every_group("sale-open-proof", "2026-11-27 21:45")
  -- Saturday is 1:1 work: the groups get words, not cards
  expect(in_every_group("sale-d1-proof", "2026-11-28 10:00")[1].msg.text):to_contain("开售以来已经有")
  in_every_group("sale-d1-faq", "2026-11-28 20:00")
  expect(r:sends{ to = "group:", between = { "2026-11-28 00:00", "2026-11-29 00:00" } }):to_have_length(2 * GROUPS)
  expect(in_every_group("sale-d2-proof", "2026-11-29 10:00")[1].msg.link.title):to_contain("最后一天")
end)

test("5 逼单促转: Sunday 18:00/19:00/20:00 \"3小时, 2小时, 1小时\", 20:30 the last emotional message", function()
  for h, left in pairs { [18] = "3小时", [19] = "2小时", [20] = "1小时" } do
    local mark = r:sends{ to = "group:", between = { string.format("2026-11-29 %02d:00", h), string.format("2026-11-29 %02d:01", h) } }
    expect(mark, left):to_have_length(GROUPS)
    expect(mark[1].msg.link.title):to_be("⏳ 营员专属优惠还剩 " .. left)
    expect(mark[1].msg.link.url):to_be(COURSE)
    expect(mark[1].job):to_contain("countdown@")
  end
  local last = in_every_group("close-last-words", "2026-11-29 20:30")
  expect(last[1].msg.text):to_contain("江湖再见")
  -- nothing to the groups after the last words; the offer has ended at 21:00
  expect(r:sends{ to = "group:", between = { "2026-11-29 20:31" } }):to_have_length(0)
  expect(r:lines{ ev = "log", job = "close-report" }[1].at):to_be(r:time("2026-11-29 21:00"))
end)

test("sales peak at the start and at the end", function()
  local function bought(from, to) return #r:events{ type = "purchase", between = { from, to } } end
  local start = bought("2026-11-27 21:15", "2026-11-28 08:00")
  local last_day = bought("2026-11-29 00:00", "2026-11-29 21:00")
  local middle = bought("2026-11-28 08:00", "2026-11-29 00:00")
  expect(start, "bought on the opening night"):to_be_at_least(1)
  expect(start, "the opening night against Saturday"):to_be_at_least(2 * middle)
  expect(last_day, "the last day against Saturday"):to_be_at_least(2 * middle)
  -- the buyers' count at the close (成单用户画像), leavers included
  local who, n = {}, 0
  for _, e in ipairs(r:events{ type = "purchase", between = { nil, "2026-11-29 21:00" } }) do
    if not who[e.member] then who[e.member], n = true, n + 1 end
  end
  expect(r:lines{ ev = "log", job = "close-report" }[1].message):to_contain("成单 " .. n .. " 人")
end)

test("nothing is sent in quiet hours by a schedule, nothing is dropped, no handler fails", function()
  expect(r:sends{ to = "group:", between = { "2026-11-23 22:00", "2026-11-24 08:00" } }):to_have_length(0)
  for _, s in ipairs(r:sends{}) do
    local hm = s.t:sub(12, 16)
    if not s.job:find("^on ") and s.job ~= "revisit" then
      expect(hm >= "08:00" and hm < "22:00", s.job .. " at " .. s.t):to_be_truthy()
    end
  end
  expect(r:lines{ ev = "dropped" }):to_have_length(0)
  expect(r:lines{ ev = "error" }):to_have_length(0)
  expect(q:lines{ ev = "error" }):to_have_length(0)
  for i = 1, GROUPS do -- each group through its own robot
    expect(#r:requests{ channel = "wx-" .. i }):to_be(#r:sends{ to = "group:camp-" .. i })
  end
  expect(r:requests{ channel = "wx-1" }[1].url):to_contain("key=***")
  expect(#r:requests{ channel = "hook" }):to_be(#r:sends{ to = "member:" })
end)

---------------------------------------------------------------------------
-- Tags and tiers against what the members did (the built-in audience)

local INTERACTIONS = { message = true, checkin = true, consult = true, ["link.click"] = true, ["pay.click"] = true,
                       purchase = true, ["lesson.done"] = true, homework = true, profile = true }

-- One pass over the run in order, keeping what each member did, its tier
-- and its tags; `check(line, state)` sees every line with the state just before it.
local function replay(run, check)
  local st = { tier = {}, tags = {}, did = {} }
  for _, l in ipairs(run:lines{}) do
    check(l, st)
    if l.ev == "event" and l.member then
      local d = st.did[l.member] or { n = {}, buy_clicks = 0, since_open = 0 }
      st.did[l.member] = d
      d.n[l.type] = (d.n[l.type] or 0) + 1
      if l.type == "link.click" and type(l.data) == "table" and type(l.data.url) == "string"
          and l.data.url:sub(1, #COURSE) == COURSE then
        d.buy_clicks = d.buy_clicks + 1
      end
      if INTERACTIONS[l.type] and l.at >= OPEN then d.since_open = d.since_open + 1 end
    elseif l.ev == "tier" then
      st.tier[l.member] = l.to
    elseif l.ev == "tag" then
      st.tags[l.member] = st.tags[l.member] or {}
      st.tags[l.member][l.tag] = l.op == "add" or nil
    end
  end
  return st
end

-- The seed's four tiers, from the counts (first rule that holds).
local function expected_tier(d)
  local n = function(t) return d and d.n[t] or 0 end
  if n("consult") > 0 then return "S" end
  if n("pay.click") > 0 and n("purchase") == 0 then return "A+" end
  if d and d.buy_clicks >= 3 then return "A" end
  if n("lesson.done") >= 3 and n("homework") >= 3 then return "B" end
  return nil
end

test("the four tiers are the seed's: S asked, A+ clicked pay without buying, A clicked the buy link 3+ times, B 3 classes + 3 homeworks", function()
  local st = replay(r, function() end)
  local seen = {}
  for i = 1, 400 do
    local id = string.format("m%04d", i)
    local want = expected_tier(st.did[id])
    expect(st.tier[id], id):to_be(want)
    if want then seen[want] = true end
  end
  -- (B is rare here: who comes to every class usually asks something too and
  -- is S; the scripted run has its B member)
  for _, t in ipairs { "S", "A+", "A" } do expect(seen[t], "a member in tier " .. t):to_be_truthy() end
end)

test("未互动: tagged at 08:30 when silent since the opening, untagged at the first interaction", function()
  local adds, removes = 0, 0
  replay(r, function(l, st)
    if l.ev ~= "tag" or l.tag ~= "未互动" then return end
    local d = st.did[l.member]
    if l.op == "add" then
      adds = adds + 1
      expect(l.t:sub(12, 16), "tagged by the morning scan"):to_be("08:30")
      expect(d and d.since_open or 0, l.member .. " interacted since the opening"):to_be(0)
    else
      removes = removes + 1
      local now = r:events{ member = l.member, between = { l.at, l.at + 1 } }
      local ok = false
      for _, e in ipairs(now) do ok = ok or INTERACTIONS[e.type] end
      expect(ok, l.member .. " untagged by an interaction at " .. l.t):to_be_truthy()
    end
  end)
  expect(adds):to_be_at_least(50)
  expect(removes):to_be_at_least(10)
end)

test("the extra 1:1 touches go to members tagged 未互动 only; 1:1 follow-ups by tier go to that tier, never to buyers", function()
  local extra, follow = 0, 0
  replay(r, function(l, st)
    if l.ev ~= "send" or not l.to:find("^member:") then return end
    local id = member_of(l)
    local tags = st.tags[id] or {}
    if l.job:find("^lesson%-%d+%-silent") then
      extra = extra + 1
      expect(tags["未互动"], id .. " is tagged 未互动 at " .. l.t):to_be_truthy()
    end
    local t = l.job:match("^sale%-d%d+%-(.+)%-%d+$") -- sale-d1-A+-2
    if t then
      follow = follow + 1
      expect(st.tier[id], l.job .. " to " .. id):to_be(t)
      expect(tags["已购"], id .. " has bought"):to_be(nil)
    end
  end)
  expect(extra):to_be_at_least(50)
  expect(follow):to_be_at_least(50)
end)

test("a member who left the group gets nothing more 1:1", function()
  local left = r:events{ type = "member.left" }
  expect(#left):to_be_at_least(1)
  for _, e in ipairs(left) do
    expect(r:sends{ to = "member:" .. e.member, between = { e.at + 1 } }, e.member .. " left at " .. e.t)
      :to_have_length(0)
  end
end)

test("the 1:1 revisit follows a member's first class, once, 14 hours later", function()
  local first = {}
  for _, e in ipairs(r:events{ type = "lesson.done" }) do first[e.member] = first[e.member] or e.at end
  local revisits = r:sends{ job = "revisit" }
  expect(#revisits):to_be_at_least(10)
  local seen = {}
  for _, s in ipairs(revisits) do
    local id = member_of(s)
    expect(seen[id], id .. " revisited twice"):to_be(nil)
    seen[id] = true
    expect(s.at, id):to_be(first[id] + 14 * 3600)
  end
end)

---------------------------------------------------------------------------
-- Each member's story (the scripted run)

test("profile answers become tags; a new answer replaces the old tag", function()
  local tags = replay(q, function() end).tags
  expect(tags.m0001):to_equal({ ["年龄:25-30岁"] = true, ["学历:本科"] = true, ["职业:产品经理"] = true, ["未互动"] = true })
  expect(q:lines{ ev = "tag", member = "m0001", tag = "职业:设计师", op = "remove" }[1].t):to_be("2026-11-24T09:00:00+08:00")
  expect(tags.m0002["年龄:30-40岁"]):to_be(true) -- "35岁"
  expect(tags.m0002["学历:大专"]):to_be(true)
  expect(q:sends{ to = "member:m0002", contains = "收到，谢谢" }[1].at):to_be(q:time("2026-11-23 11:05"))
  -- the buyers' profile, for the next camp (成单用户画像)
  expect(q:lines{ ev = "log", job = "close-report" }[1].message):to_be("成单 2 人；画像：学历:大专 1，年龄:30-40岁 1")
end)

test("未互动, member by member: the silent are tagged Wednesday 08:30 and touched; an interaction ends it", function()
  local function tag_lines(id)
    local out = {}
    for _, l in ipairs(q:lines{ ev = "tag", member = id, tag = "未互动" }) do out[#out + 1] = l.t:sub(6, 16) .. " " .. l.op end
    return out
  end
  expect(tag_lines("m0008")):to_equal({}) -- checked in Tuesday 20:40, after the opening
  expect(tag_lines("m0009")):to_equal({ "11-25T08:30 add", "11-25T13:00 remove" }) -- checked in Wednesday 13:00
  expect(tag_lines("m0007")):to_equal({ "11-25T08:30 add", "11-25T20:05 remove" }) -- came to class 1
  expect(tag_lines("m0016")):to_equal({ "11-25T08:30 add" }) -- never a word
  expect(story("m0009")):to_equal({ "11-23 10:30 precamp-profile", "11-25 12:00 lesson-1-silent-noon" })
  expect(story("m0016")):to_equal({ "11-23 10:30 precamp-profile",
    "11-25 12:00 lesson-1-silent-noon", "11-25 20:10 lesson-1-silent-live",
    "11-26 12:00 lesson-2-silent-noon", "11-26 20:10 lesson-2-silent-live",
    "11-27 12:00 lesson-3-silent-noon", "11-27 20:10 lesson-3-silent-live" })
  expect(q:sends{ to = "member:m0016", job = "lesson-1-silent-live" }[1].msg.link.url):to_be(LIVE)
end)

test("the four tiers, member by member", function()
  local function tiers(id)
    local out = {}
    for _, l in ipairs(q:lines{ ev = "tier", member = id }) do
      out[#out + 1] = l.t:sub(6, 16) .. " " .. tostring(l.from) .. ">" .. tostring(l.to)
    end
    return out
  end
  expect(tiers("m0003")):to_equal({ "11-28T09:30 nil>S" })                       -- asked about the course
  expect(tiers("m0004")):to_equal({ "11-28T10:06 nil>A+", "11-29T09:00 A+>nil" }) -- clicked pay; bought a day later
  expect(tiers("m0005")):to_equal({ "11-28T12:00 nil>A" })                        -- the third click on the buy link
  expect(tiers("m0006")):to_equal({})             -- three clicks on the live room and two on the buy link: not A
  expect(tiers("m0007")):to_equal({ "11-27T21:10 nil>B" })                        -- 3 classes, the third homework
  expect(tiers("m0002")):to_equal({})             -- bought without a word: no tier to follow up
end)

test("follow-ups by tier: S and A+ right away and twice a day, A and B once a day, S and A+ at the last hour; none after buying", function()
  expect(story("m0003")):to_equal({ "11-23 10:30 precamp-profile",
    "11-25 12:00 lesson-1-silent-noon", "11-25 20:10 lesson-1-silent-live",
    "11-26 12:00 lesson-2-silent-noon", "11-26 20:10 lesson-2-silent-live",
    "11-27 12:00 lesson-3-silent-noon", "11-27 20:10 lesson-3-silent-live",
    "11-28 09:30 on consult", "11-28 10:30 sale-d1-S-2", "11-28 15:30 sale-d1-S-3",
    "11-29 10:30 sale-d2-S-4", "11-29 15:30 sale-d2-S-5", "11-29 20:00 countdown@1795957200-1h" })
  local m4 = story("m0004")
  expect({ table.unpack(m4, 8) }):to_equal({ "11-28 10:06 on pay.click", "11-28 11:00 sale-d1-A+-2",
    "11-28 16:00 sale-d1-A+-3", "11-29 09:00 on purchase" })
  local m5 = story("m0005")
  expect({ table.unpack(m5, 8) }):to_equal({ "11-28 14:00 sale-d1-A-2", "11-29 14:00 sale-d2-A-3" })
  expect(story("m0007")):to_equal({ "11-23 10:30 precamp-profile", "11-25 12:00 lesson-1-silent-noon",
    "11-26 10:05 revisit", "11-27 21:20 sale-open-1v1", "11-28 17:00 sale-d1-B-2", "11-29 17:00 sale-d2-B-3" })
  -- the texts: each tier its own, used in turn
  expect(q:sends{ to = "member:m0003", job = "on consult" }[1].msg.text):to_contain("你之前问到的问题")
  expect(q:sends{ to = "member:m0003", job = "sale-d1-S-2" }[1].msg.text):to_contain("你最担心的是哪一点")
  expect(q:sends{ to = "member:m0004", job = "on pay.click" }[1].msg.text):to_contain("👉 " .. COURSE)
  expect(q:sends{ to = "member:m0005", job = "sale-d1-A-2" }[1].msg.text):to_contain("看了Python 系统课的介绍")
  expect(q:sends{ to = "member:m0007", job = "sale-open-1v1" }[1].msg.text):to_contain("练习也都交了")
  expect(q:sends{ to = "member:m0004", job = "on purchase" }[1].msg.text):to_contain("报名成功")
  local last = q:sends{ job = "countdown@1795957200-1h", to = "member:" }
  expect(last):to_have_length(1) -- S (m0003); m0004 bought
  expect(last[1].msg.text):to_contain("优惠还剩 1小时 就结束了")
end)
