-- training_camp.lua — 社群引流训练营: the five stages of a lead-in camp
-- (seed 003, "「社群运营」究竟是在「运营」什么?"), from the first contact to
-- the last call of the offer:
--
--   1 营前沟通 pre-camp contact   self-introduction, brand, schedule, and
--                                 a 1:1 question for age / education / job
--   2 触达激活 activation         trust, the core experience, how to take
--                                 part, rewards, members introduce themselves
--   3 集中孵化 incubation         class reminders several times a day, more
--                                 touches for members tagged 未互动, the live
--                                 class (the key interaction), homework and
--                                 cheering the active ones, a 1:1 revisit
--   4 销售转化 sales conversion   the sale opens; S / A+ / A / B intent tiers,
--                                 each followed up at its own rhythm
--   5 逼单促转 close              "offer ends in 3 h, 2 h, 1 h", then a last
--                                 emotional message
--
-- Sales peak at the start and at the end of the sale (the seed): the
-- opening is a burst (the card in every group, a 1:1 touch for every tiered
-- member, an immediate touch for each new S or A+), the close another
-- (countdown in the groups and 1:1 to S and A+ at the last mark).
--
-- Events this playbook reads (from the team's backend: POST /events, qun
-- event, or qun import events; in a dry-run from the simulated audience):
--   profile      data = { age = 28, education = "本科", job = "设计师" }
--                (any of the three; age a number or a numeric string)
--   consult      the member asked about the course            → tier S
--   pay.click    the member opened the pay page               → tier A+
--   link.click   data = { url = "..." }: a tracked link; clicks on the
--                course page (course_url) count for tier A
--   lesson.done  attended a live class; homework: handed one in → tier B
--   purchase     ordered the course
--   checkin, message: a check-in or a message in the group
playbook {
  name    = "training-camp",
  version = "1.0.0",
  title   = "社群引流训练营五环节",
  summary = "A lead-in camp in five stages: pre-camp contact, activation, incubation with live classes, "
         .. "sales by intent tier (S/A+/A/B), and a countdown close.",
  params  = {
    groups       = { type = "list", of = "group", doc = "the camp's groups (one camp, any number of groups)" },
    -- the calendar: one date, then each stage counted from 00:00 of that
    -- day ("1d20h" is the next day at 20:00), so the next camp only needs a
    -- new start (give it as a date in the team config: a weekday such as
    -- "mon 10:00" is read from when the run starts)
    start        = { type = "time", default = "mon 10:00",
                     doc = "营前沟通 (day 0): self-introduction, brand, schedule, then the profile question 1:1" },
    open         = { type = "duration", default = "1d20h", doc = "开营 (触达激活), from day 0's 00:00" },
    first_lesson = { type = "duration", default = "2d20h",
                     doc = "集中孵化: the first live class, from day 0's 00:00; then one a day at the same time" },
    lessons      = { type = "integer", default = 3, doc = "how many live classes (one a day)" },
    sale_open    = { type = "duration", default = "4d21h15m",
                     doc = "销售转化: the sale opens (after the last class), from day 0's 00:00" },
    deadline     = { type = "duration", default = "6d21h", doc = "逼单促转: the offer ends, from day 0's 00:00" },
    countdown    = { type = "list", of = "duration", default = { "3h", "2h", "1h" },
                     doc = "countdown marks before the deadline" },
    last_words   = { type = "duration", default = "30m",
                     doc = "the last emotional message goes this long before the deadline" },
    revisit_after = { type = "duration", default = "14h",
                      doc = "个聊回访: the 1:1 revisit this long after a member's first live class" },
    ages         = { type = "list", of = "integer", default = { 25, 30, 40 },
                     doc = "age brackets for profile tags: 25岁以下, 25-30岁, 30-40岁, 40岁以上" },
    -- who and what
    teacher      = { type = "string", default = "小鹅老师", doc = "who speaks in the group" },
    brand        = { type = "string", default = "鹅学堂", doc = "the brand" },
    camp         = { type = "string", default = "Python 入门训练营", doc = "the camp's name" },
    course       = { type = "string", default = "Python 系统课", doc = "the paid course the camp leads to" },
    offer        = { type = "string", default = "营员专属优惠价 1499 元（原价 1999 元），再送 1 对 1 答疑 3 次",
                     doc = "the camp's offer, one line" },
    gift         = { type = "string", default = "《Python 面试题 100 道》", doc = "the reward for taking part" },
    lesson_titles = { type = "list", default = { "环境搭建，写出第一个程序", "数据处理实战", "做一个自动化小工具" },
                      doc = "one title per live class (the last one repeats if there are more classes)" },
    course_url   = { type = "string", default = "https://shop.example/python",
                     doc = "the buy link: the course page with the pay button (clicks on it count for tier A)" },
    live_url     = { type = "string", default = "https://live.example/python-camp", doc = "the live room" },
    -- texts: {teacher}, {brand}, {camp}, {course}, {offer}, {gift}, {lessons}, {url} (course_url),
    -- {live} (live_url) and {opening} (the opening's time, "20:00") work in all of them, {name} in 1:1 ones
    intro        = { type = "string",
                     default = "大家好，我是{teacher}，接下来几天陪大家一起学习。有任何问题随时 @我 或者私聊我，"
                            .. "我会帮你把每一讲的内容吃透 💪",
                     doc = "1 自我介绍: who you are, what you bring" },
    brand_intro  = { type = "string",
                     default = "{brand}专注职场技能 8 年，已经陪 30 多万同学完成了第一门编程课。",
                     doc = "1 简单品宣: the brand in one line" },
    profile_question = { type = "string",
                         default = "{name}你好，我是{teacher} 😊 为了按你的情况安排学习重点，方便告诉我你的"
                                .. "年龄、学历和现在的职业吗？",
                         doc = "1 收集用户信息: the 1:1 question (answers come back as profile events)" },
    trust        = { type = "string",
                     default = "【正式认识一下{brand}】8 年，30 万+ 学员，老师来自一线大厂。往期营员的作品和评价都在这里，"
                            .. "今晚 8 点开营，我们不见不散！",
                     doc = "2 增信内容: the formal brand introduction on the opening day" },
    experience   = { type = "string",
                     default = "🎉 「{camp}」开营啦！接下来 {lessons} 天，每晚一讲，带你从零写出一个能用的小工具："
                            .. "每一讲都有讲解、演示和练习，老师全程答疑。",
                     doc = "2 核心体验: what the camp is and what members get" },
    emotional    = { type = "string",
                     default = "这几天陪着大家从第一行代码走到做出自己的小工具，看到群里每一份练习截图，真的很感动 ❤️ "
                            .. "学习最难的是开始，你们已经开始了。{course}的营员专属价今晚结束，"
                            .. "不管你是否继续，{teacher}都祝你越来越好，我们江湖再见！",
                     doc = "5 感情牌: the last message before the deadline" },
    follow_s     = { type = "list",
                     default = { "{name}，你之前问到的问题我整理好了答案，还有哪里不清楚的吗？我一条条帮你解答。",
                                 "{name}，{course}适不适合你，我们聊 5 分钟就知道，你最担心的是哪一点？" },
                     doc = "4 S 级 (asked about the course): 1:1 follow-ups, used in turn, twice a day" },
    follow_aplus = { type = "list",
                     default = { "{name}，看到你打开了报名页还没完成，是遇到什么问题了吗？优惠名额给你留着，点这里就能完成购买 👉 {url}",
                                 "{name}，营员专属价的名额还给你留着，有任何顾虑都可以直接问我。" },
                     doc = "4 A+ 级 (clicked pay, no order): 1:1 follow-ups, used in turn, twice a day" },
    follow_a     = { type = "list",
                     default = { "{name}，看你几次看了{course}的介绍，最想了解哪一部分？我给你讲讲。" },
                     doc = "4 A 级 (clicked the buy link 3+ times): a 1:1 follow-up a day" },
    follow_b     = { type = "list",
                     default = { "{name}，这几天你每一讲都认真听、练习也都交了，进步特别明显！{course}会带你继续往下走，"
                              .. "想不想听听后面的学习安排？" },
                     doc = "4 B 级 (3+ classes and 3+ homeworks): a 1:1 follow-up a day" },
  },
}

local P = params

-- Tags this playbook keeps.
local SILENT  = "未互动" -- no interaction since the opening; removed at the first one
local BOUGHT  = "已购"
local REVISIT = "已回访" -- the 1:1 revisit after the first class is planned (once)
local LEFT    = "已退群" -- left the group: no more 1:1 from the camp
local BUY_CLICKS = { "购买链接×1", "购买链接×2", "购买链接×3" } -- clicks on the buy link, counted

-- What counts as an interaction (any of these removes 未互动).
local INTERACTIONS = { "message", "checkin", "consult", "link.click", "pay.click", "purchase",
                       "lesson.done", "homework", "profile" }

-- ---------------------------------------------------------------------
-- The calendar, checked once.

-- Local midnight k days after the day of t, then that day's hour:min.
local function day_after(t, k, hour, min)
  local d = os.date("*t", t)
  return os.time { year = d.year, month = d.month, day = d.day + k, hour = hour or 0, min = min or 0 }
end

-- A stage's time: day 0 is the day of start; "1d20h" is the next day at
-- 20:00 (counted in calendar days, so a DST change moves nothing).
local function stage(offset)
  local rest = offset % DAY
  return day_after(P.start, offset // DAY, rest // HOUR, rest % HOUR // MINUTE)
end

local OPEN, FIRST, SALE, DEADLINE = stage(P.open), stage(P.first_lesson), stage(P.sale_open), stage(P.deadline)
-- The i-th live class: first_lesson's time, i - 1 days later.
local function lesson_at(i) return stage(P.first_lesson + (i - 1) * DAY) end
local LAST_LESSON = lesson_at(P.lessons)

do
  local function fmt(t) return os.date("%Y-%m-%d %H:%M", t) end
  if P.lessons < 1 then error("params: lessons must be at least 1", 0) end
  if #P.groups == 0 then error("params: groups names no group", 0) end
  local order = { { "start", P.start }, { "open", OPEN }, { "first_lesson", FIRST },
                  { "the last class", LAST_LESSON }, { "sale_open", SALE }, { "deadline", DEADLINE } }
  for i = 2, #order do
    if order[i][2] <= order[i - 1][2] then
      error(string.format("params: %s (%s) must come after %s (%s)", order[i][1], fmt(order[i][2]),
                          order[i - 1][1], fmt(order[i - 1][2])), 0)
    end
  end
end

-- ---------------------------------------------------------------------
-- Helpers.

local WEEKDAYS = { "日", "一", "二", "三", "四", "五", "六" }
local function clock(t) return os.date("%H:%M", t) end
local function date_of(t) -- "11月24日（周二）"
  local d = os.date("*t", t)
  return string.format("%d月%d日（周%s）", d.month, d.day, WEEKDAYS[d.wday])
end
local function when(t) return date_of(t) .. " " .. clock(t) end

-- The same local clock time on the day of t: at(t, 10, 0) is that day's 10:00.
local function at(t, hour, min)
  local d = os.date("*t", t)
  return os.time { year = d.year, month = d.month, day = d.day, hour = hour, min = min or 0 }
end

local function lesson_title(i) return P.lesson_titles[math.min(i, #P.lesson_titles)] end

-- Variables every text may use.
local V = { teacher = P.teacher, brand = P.brand, camp = P.camp, course = P.course, offer = P.offer,
            gift = P.gift, lessons = P.lessons, url = P.course_url, live = P.live_url, opening = clock(OPEN) }
local function vars(extra)
  local t = {}
  for k, v in pairs(V) do t[k] = v end
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local function to_groups(msg, extra)
  for _, g in ipairs(P.groups) do send(g, msg, vars(extra)) end
end

-- Each member of the camp's groups once (a member may sit in two groups),
-- leaving out those who left (unless filter.all).
local function each_member(filter, fn)
  if filter.all and filter.tag then
    -- whoever has the tag, in the camp's groups or not any more (a buyer who left still bought)
    for m in members{ tag = filter.tag, tier = filter.tier } do fn(m) end
    return
  end
  local seen = {}
  for _, g in ipairs(P.groups) do
    local f = { group = g, tag = filter.tag, tier = filter.tier }
    for m in members(f) do
      if not seen[m.id] and (filter.all or not tag.has(m, LEFT)) then
        seen[m.id] = true
        fn(m)
      end
    end
  end
end

local function in_camp(group)
  for _, g in ipairs(P.groups) do if g == group then return true end end
  return false
end

local function selling(t) return t >= SALE and t < DEADLINE end

local function buyers()
  local n = 0
  each_member({ tag = BOUGHT, all = true }, function() n = n + 1 end)
  return n
end

-- ---------------------------------------------------------------------
-- 1 营前沟通: who we are, the brand, the schedule, then 1:1 for the profile.

schedule.at(P.start, "precamp-intro", function()
  to_groups("欢迎来到「{camp}」！" .. P.intro)
end)
schedule.at(P.start + 5 * MINUTE, "precamp-brand", function()
  to_groups(P.brand_intro)
end)
schedule.at(P.start + 10 * MINUTE, "precamp-schedule", function()
  -- 告知明细: tell them what happens when, so nobody waits without knowing.
  to_groups("📅 本期安排：\n开营：{open}\n每晚讲解：{first} 起，共 {lessons} 讲，每晚 {time} 开讲\n"
         .. "入口和提醒都会提前发在群里，大家不用另外找。",
            { open = when(OPEN), first = date_of(FIRST), time = clock(FIRST) })
end)
schedule.at(P.start + 30 * MINUTE, "precamp-profile", function()
  each_member({}, function(m) send(m, P.profile_question, vars()) end)
end)

-- Someone who joins later gets the same welcome and question, 1:1.
on("member.joined", function(ev)
  if not in_camp(ev.group) or ev.at >= DEADLINE then return end
  tag.remove(ev.member, LEFT)
  send(ev.member, "{name}，欢迎加入「{camp}」！" .. P.intro, vars())
  send(ev.member, P.profile_question, vars())
end)

on("member.left", function(ev)
  if in_camp(ev.group) then tag.add(ev.member, LEFT) end
end)

-- The answers: tags 年龄:25-30岁, 学历:本科, 职业:设计师 (an answer given
-- again replaces the earlier tag of its kind).
local function age_bracket(age)
  local b = P.ages
  if age < b[1] then return b[1] .. "岁以下" end
  for i = 2, #b do
    if age < b[i] then return b[i - 1] .. "-" .. b[i] .. "岁" end
  end
  return b[#b] .. "岁以上"
end

-- At most max bytes of s, in whole characters (a tag is at most 64 bytes).
local function cut(s, max)
  local out = ""
  for ch in s:gmatch(utf8.charpattern) do
    if #out + #ch > max then break end
    out = out .. ch
  end
  return out
end

local function set_profile_tag(m, kind, value)
  local prefix = kind .. ":"
  local t = prefix .. cut(value, 64 - #prefix)
  for _, old in ipairs(m.tags) do
    if old ~= t and old:sub(1, #prefix) == prefix then tag.remove(m, old) end
  end
  tag.add(m, t)
end

on("profile", function(ev)
  local d = ev.data or {}
  local age = tonumber(d.age) or tonumber(tostring(d.age or ""):match("%d+")) -- 28, "28", "28岁"
  if age then set_profile_tag(ev.member, "年龄", age_bracket(math.floor(age))) end
  if type(d.education) == "string" and d.education ~= "" then set_profile_tag(ev.member, "学历", d.education) end
  if type(d.job) == "string" and d.job ~= "" then set_profile_tag(ev.member, "职业", d.job) end
  send(ev.member, "收到，谢谢{name}！我会按你的情况提醒你重点 👍", vars())
end)

-- ---------------------------------------------------------------------
-- 2 触达激活: the opening day.

schedule.at(OPEN - HOUR, "open-soon", function()
  to_groups("⏰ 还有 1 小时开营，{time} 准时在群里见！", { time = clock(OPEN) })
end)
schedule.at(OPEN - 8 * HOUR, "open-trust", function()
  to_groups(P.trust) -- 增信内容
end)
schedule.at(OPEN, "open-experience", function()
  to_groups(P.experience) -- 核心体验
end)
schedule.at(OPEN + 10 * MINUTE, "open-how", function()
  -- 上手流程: where, when, how.
  to_groups("📌 怎么参加：\n1. 每晚 {time} 开讲，开讲前群里会发听课入口，点开就能听\n"
         .. "2. 每天早上在群里打卡，有问题直接 @{teacher}\n3. 每讲后有一个小练习，做完发到群里，老师会点评",
            { time = clock(FIRST) })
end)
schedule.at(OPEN + 20 * MINUTE, "open-rewards", function()
  to_groups("🎁 完成奖励：听满 {lessons} 讲、每讲练习都交的同学，结营送{gift}；每天打卡还能参加抽奖。") -- 奖励介绍
end)
schedule.at(OPEN + 30 * MINUTE, "open-introductions", function()
  -- 用户自我介绍: ritual, atmosphere, and what we want to know.
  to_groups("🙋 现在请大家做个自我介绍并完成第一次打卡：\n城市 + 职业 + 这次最想学会什么\n{teacher}先来：" .. P.intro)
end)

-- ---------------------------------------------------------------------
-- 3 集中孵化: a live class a day; reminders morning, before and at the
-- start; more touches, 1:1, for members tagged 未互动; homework and a cheer
-- for the active ones; a 1:1 revisit after a member's first class.

local function interacted_since(m, t)
  for _, ty in ipairs(INTERACTIONS) do
    if m:count(ty, t) > 0 then return true end
  end
  return false
end

-- Tags members who have not interacted since the opening (once a day,
-- before the morning reminder). The tag goes at the first interaction.
local function tag_silent()
  local n = 0
  each_member({}, function(m)
    if not tag.has(m, BOUGHT) and not interacted_since(m, OPEN) then
      tag.add(m, SILENT)
      n = n + 1
    end
  end)
  log("%s: %d 人", SILENT, n)
end

for _, ty in ipairs(INTERACTIONS) do
  on(ty, function(ev)
    if ev.member then tag.remove(ev.member, SILENT) end
  end)
end

for i = 1, P.lessons do
  local L = lesson_at(i)
  local lv = { i = i, title = lesson_title(i), time = clock(L) }
  local card = { title = "第 " .. i .. " 讲直播开始：" .. lesson_title(i),
                 description = "点击进入直播间上课，老师在线答疑", url = P.live_url }

  if at(L, 8, 30) > OPEN then -- (a class on the opening day has no one to tag yet)
    schedule.at(at(L, 8, 30), "lesson-" .. i .. "-silent", tag_silent)
  end
  schedule.at(at(L, 9), "lesson-" .. i .. "-morning", function()
    to_groups("☀️ 早安！今晚 {time} 第 {i} 讲「{title}」。先在群里打个卡 ✅，说说昨天的收获。", lv)
  end)
  schedule.at(at(L, 12), "lesson-" .. i .. "-silent-noon", function()
    each_member({ tag = SILENT }, function(m)
      send(m, "{name}，这两天没看到你在群里冒泡，是不是比较忙？今晚 {time} 第 {i} 讲「{title}」，"
           .. "我把重点先发你，有空回我一个 1 打个卡就好 😊", vars(lv))
    end)
  end)
  schedule.at(L - 30 * MINUTE, "lesson-" .. i .. "-soon", function()
    to_groups("⏰ 还有 30 分钟开讲：第 {i} 讲「{title}」，准备好笔记本，{time} 见！", lv)
  end)
  schedule.at(L, "lesson-" .. i .. "-live", function()
    to_groups({ link = card }) -- the key interaction: into the live class
  end)
  schedule.at(L + 10 * MINUTE, "lesson-" .. i .. "-silent-live", function()
    each_member({ tag = SILENT }, function(m) send(m, { link = card }) end)
  end)
  schedule.at(L + HOUR, "lesson-" .. i .. "-homework", function()
    -- Homework, and cheering the ones who came (社群氛围: cue them by name).
    for _, g in ipairs(P.groups) do
      local came, names = {}, {}
      for m in members { group = g, where = function(m) return m:count("lesson.done", L) > 0 end } do
        came[#came + 1] = m
        names[#names + 1] = m.name or m.id
        if #came == 5 then break end
      end
      local text = "📝 第 {i} 讲的作业：用今天讲的方法完成练习，做完把截图发到群里就算交作业，老师逐个点评。"
      if #came > 0 then
        text = text .. "\n👏 今晚准时来听的同学：{names}，明晚继续！"
        send(g, { text = text, mention = came }, vars { i = i, names = table.concat(names, "、") })
      else
        send(g, text, vars { i = i })
      end
    end
  end)
end

-- 个聊回访: after a member's first class, a 1:1 question (once).
function jobs.revisit(args)
  local m = member(args.member)
  if not m or tag.has(m, BOUGHT) or tag.has(m, LEFT) then return end
  send(m, "{name}，昨晚的课听下来感觉怎么样？哪里没听懂可以直接问我。也想了解一下，你学这个最想解决的是什么问题？",
       vars())
end

on("lesson.done", function(ev)
  if ev.at >= SALE or tag.has(ev.member, REVISIT) then return end
  tag.add(ev.member, REVISIT)
  schedule.after(P.revisit_after, jobs.revisit, { member = ev.member.id })
end)

-- ---------------------------------------------------------------------
-- 4 销售转化: the tiers (the seed's, in its order: the first rule that holds wins).

-- A counts clicks on the buy link only: the live room's link is a click
-- too, but it is attendance, not intent. A tier rule sees only the member,
-- so each buy-link click moves it one step along BUY_CLICKS.
local function is_buy_link(data)
  local url = type(data) == "table" and data.url
  return type(url) == "string" and url:sub(1, #P.course_url) == P.course_url
end

on("link.click", function(ev)
  if not is_buy_link(ev.data) then return end
  for _, t in ipairs(BUY_CLICKS) do
    if tag.add(ev.member, t) then return end
  end
end)

tier.define {
  { "S",  function(m) return m:count("consult") > 0 end },                                -- asked about the course
  { "A+", function(m) return m:count("pay.click") > 0 and m:count("purchase") == 0 end }, -- clicked pay, no order
  { "A",  function(m) return tag.has(m, BUY_CLICKS[3]) end },                              -- buy link 3+ times
  { "B",  function(m) return m:count("lesson.done") >= 3 and m:count("homework") >= 3 end }, -- 3 classes, 3 homeworks
}

local FOLLOW = { S = P.follow_s, ["A+"] = P.follow_aplus, A = P.follow_a, B = P.follow_b }

-- One 1:1 follow-up to each member of a tier who has not bought; round n
-- picks the n-th text of the tier (in turn).
local function follow(tier_name, n)
  local texts = FOLLOW[tier_name]
  local text = texts[(n - 1) % #texts + 1]
  each_member({ tier = tier_name }, function(m)
    if not tag.has(m, BOUGHT) then send(m, text, vars()) end
  end)
end

on("purchase", function(ev)
  tag.add(ev.member, BOUGHT)
  send(ev.member, "🎉 {name}，报名成功！欢迎加入{course}，{teacher}会把后续安排单独发给你。", vars())
end)

-- The moment someone becomes S or A+ during the sale: a touch right away
-- (not when moving between the two: they are followed up already).
local HOT = { S = true, ["A+"] = true }
tier.on_change(function(m, from, to)
  if not HOT[to] or HOT[from] or not selling(os.time()) or tag.has(m, BOUGHT) then return end
  send(m, FOLLOW[to][1], vars())
end)

local sale_card = { title = "{course} 报名通道已开启", description = "{offer}。名额有限，点击了解并购买",
                    url = P.course_url }

-- The opening: the first sales peak (开始售卖). The card, a 1:1 touch for
-- every tiered member, and half an hour later the first names on the list.
schedule.at(SALE, "sale-open", function()
  to_groups({ text = "🔥 {course}正式开售！{offer}。想继续跟着{teacher}学的同学，点下面的卡片报名 👇" })
  to_groups({ link = sale_card })
end)
schedule.at(SALE + 5 * MINUTE, "sale-open-1v1", function()
  for _, t in ipairs { "S", "A+", "A", "B" } do follow(t, 1) end
end)
schedule.at(SALE + 30 * MINUTE, "sale-open-proof", function()
  to_groups({ link = { title = "🎉 开售半小时，已经有 {n} 位同学报名", description = "{offer}。还没报名的同学抓紧，"
                       .. "有问题直接私聊{teacher}", url = P.course_url } }, { n = buyers() })
end)

-- The days of the sale: social proof and answers in the groups, 1:1 by tier
-- (S and A+ twice a day, A and B once). The last day's 1:1 rounds stop
-- where the countdown starts.
local first_mark = 0
for _, o in ipairs(P.countdown) do first_mark = math.max(first_mark, o) end

local RHYTHM = { { "S", 10, 30 }, { "A+", 11, 0 }, { "A", 14, 0 }, { "S", 15, 30 }, { "A+", 16, 0 },
                 { "B", 17, 0 } }
local rounds = { S = 1, ["A+"] = 1, A = 1, B = 1 } -- round 1 was the opening touch
local k = 1
while true do
  local d = day_after(SALE, k)
  if d > DEADLINE then break end
  local last = at(d, 0) == at(DEADLINE, 0)
  local name = "sale-d" .. k
  schedule.at(at(d, 10), name .. "-proof", function()
    if last then -- the last day: the close begins
      to_groups({ link = { title = "📣 今天是营员专属价的最后一天，{deadline} 截止",
                           description = "已经有 {n} 位同学报名了{course}。{offer}", url = P.course_url } },
                { n = buyers(), deadline = clock(DEADLINE) })
    else -- the days between: trust and answers; the selling is 1:1
      to_groups("📣 开售以来已经有 {n} 位同学报名了{course}，还在犹豫的同学有问题随时问我，"
             .. "也可以看看同学们的练习分享。", { n = buyers() })
    end
  end)
  if not last then
    schedule.at(at(d, 20), name .. "-faq", function()
      to_groups("💬 今天被问得最多的几个问题：零基础能学吗？能。没时间怎么办？每一讲都有回放。"
             .. "学完能做什么？跟着项目做出 3 个作品。还有问题就私聊{teacher} 👋")
    end)
  end
  for _, r in ipairs(RHYTHM) do
    local t, tier_name = at(d, r[2], r[3]), r[1]
    if t < DEADLINE - first_mark then
      rounds[tier_name] = rounds[tier_name] + 1
      local n = rounds[tier_name]
      schedule.at(t, name .. "-" .. tier_name .. "-" .. n, function() follow(tier_name, n) end)
    end
  end
  k = k + 1
end

-- ---------------------------------------------------------------------
-- 5 逼单促转: the countdown, then the last emotional message.

local final_mark = first_mark
for _, o in ipairs(P.countdown) do final_mark = math.min(final_mark, o) end

countdown(DEADLINE, P.countdown, function(left)
  to_groups({ link = { title = "⏳ 营员专属优惠还剩 {left}", description = "{offer}。{deadline} 截止，抓紧报名",
                       url = P.course_url } },
            { left = left, deadline = clock(DEADLINE) })
  if left.seconds <= final_mark + MINUTE then -- the last mark: 1:1 to S and A+
    for _, t in ipairs { "S", "A+" } do
      each_member({ tier = t }, function(m)
        if not tag.has(m, BOUGHT) then
          send(m, "{name}，优惠还剩 {left} 就结束了，名额给你留着，有任何问题现在问我 👉 {url}", vars { left = left })
        end
      end)
    end
  end
end)

schedule.at(DEADLINE - P.last_words, "close-last-words", function()
  to_groups(P.emotional) -- 最后再来一张感情牌
end)

-- 成单用户画像: who bought, by profile tag, for the next camp.
schedule.at(DEADLINE, "close-report", function()
  local count, n = {}, 0
  each_member({ tag = BOUGHT, all = true }, function(m)
    n = n + 1
    for _, t in ipairs(m.tags) do
      if t:find("^年龄:") or t:find("^学历:") or t:find("^职业:") then count[t] = (count[t] or 0) + 1 end
    end
  end)
  local parts = {}
  for t, c in pairs(count) do parts[#parts + 1] = t .. " " .. c end
  table.sort(parts)
  log("成单 %d 人；画像：%s", n, #parts > 0 and table.concat(parts, "，") or "（无画像信息）")
end)
