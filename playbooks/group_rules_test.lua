-- group_rules_test.lua — the group rules of seeds 000/002/004, rehearsed on
-- the example team config (eight groups, mode "redpacket", the operators'
-- group): every ad gets the mode's answer in its group, the third is
-- reported for removal, the rules go to new members and again every Monday.
local env = { WECOM_KEY_OPS = "test-key-ops" }
for i = 1, 8 do env["WECOM_KEY_SH" .. i] = "test-key-" .. i end

local base = {
  config   = "group_rules.team.lua",
  env      = env,
  start    = "2026-11-23 00:00", -- a Monday
  days     = 7,
  audience = 800,
}
local function run(extra)
  local o = {}
  for k, v in pairs(base) do o[k] = v end
  for k, v in pairs(extra or {}) do o[k] = v end
  return sim.run("group_rules.lua", o)
end
local r = run()

local function mentions(s, id)
  return type(s.msg.mention) == "table" and s.msg.mention[1] == id
end

-- When the answer to an ad at t goes: at once in the day, at 08:00 after a
-- night ad (quiet hours 22:00-08:00).
local function answer_time(run, t)
  local h, date = tonumber(t:sub(12, 13)), t:sub(1, 10)
  if h >= 8 and h < 22 then return run:time(date .. " " .. t:sub(12, 16)) end
  return run:time(date .. " 08:00") + (h >= 22 and 86400 or 0)
end

-- The ads of the run, each with the member's count so far (1st, 2nd, ...);
-- those whose answer would go after the run's end are left out.
local function ads_of(run, days)
  local n, ads = {}, {}
  local stop = run:time(base.start) + (days or base.days) * 86400
  for _, e in ipairs(run:events{ type = "message" }) do
    n[e.member] = (n[e.member] or 0) + 1
    if answer_time(run, e.t) < stop then
      ads[#ads + 1] = { member = e.member, group = e.group, t = e.t, n = n[e.member], text = e.data.text }
    end
  end
  return ads, n
end

-- The answers to one ad: the sends its handler made (due = the ad's time).
local function answers(run, ad, to)
  local out = {}
  for _, s in ipairs(run:sends{ job = "on message", to = to }) do
    if s.due == ad.t and (to == "group:ops" or mentions(s, ad.member)) then out[#out + 1] = s end
  end
  return out
end

test("every ad of the week gets the mode's answer; the third asks for removal", function()
  local ads, per_member = ads_of(r)
  expect(#ads, "ads in a week"):to_be_at_least(30)
  local repeaters = 0
  for _, ad in ipairs(ads) do
    local here, ops = answers(r, ad, "group:" .. ad.group), answers(r, ad, "group:ops")
    local what = ad.member .. "'s ad " .. ad.n .. " at " .. ad.t
    if ad.n < 3 then -- redpacket: the poster owes the group a red packet
      expect(here, what):to_have_length(1)
      expect(here[1].msg.text):to_contain("发广告要给大家发个红包")
      expect(here[1].msg.text):to_contain("第 " .. ad.n .. " 次，满 3 次移出群聊")
      expect(ops, what):to_have_length(0)
    elseif ad.n == 3 then -- repeat offender: told in the group, reported to the operators
      expect(here, what):to_have_length(1)
      expect(here[1].msg.text):to_contain("按群规将被移出群聊")
      expect(ops, what):to_have_length(1)
      expect(ops[1].msg.text):to_contain("【请移出】" .. ad.group .. " 群的")
      expect(ops[1].msg.text):to_contain("（" .. ad.member .. "）第 3 次发广告")
      expect(ops[1].msg.text):to_contain(ad.text)
      repeaters = repeaters + 1
    else -- still there: the operators are reminded, the group is not told again
      expect(here, what):to_have_length(0)
      expect(ops, what):to_have_length(1)
      expect(ops[1].msg.text):to_contain("【仍未移出】")
    end
  end
  expect(repeaters, "members removed for a third ad"):to_be_at_least(3)
  -- Tags and the count the member keeps.
  for m, n in pairs(per_member) do
    expect(#r:lines{ ev = "tag", member = m, tag = "发广告", op = "add" }, m):to_be(1)
    expect(#r:lines{ ev = "tag", member = m, tag = "欠红包", op = "add" }, m):to_be(1)
    expect(#r:lines{ ev = "tag", member = m, tag = "待移出", op = "add" }, m):to_be(n >= 3 and 1 or 0)
    local strikes = r:lines{ ev = "attr", member = m, key = "ad_strikes" }
    expect(strikes[#strikes].value, m .. "'s strikes"):to_be(n)
  end
end)

test("an answer goes when the ad is seen, or at 08:00 after a night ad", function()
  for _, ad in ipairs(ads_of(r)) do
    local s = answers(r, ad, "group:" .. ad.group)[1] or answers(r, ad, "group:ops")[1]
    local due = answer_time(r, ad.t)
    expect(s.at - due, ad.t):to_be_between(0, 59) -- the minute of the ad, or 08:00 sharp
  end
end)

test("questions are not ads", function()
  expect(#r:events{ type = "consult" }):to_be_at_least(50)
  local asked = {}
  for _, e in ipairs(r:events{ type = "consult" }) do asked[e.member] = true end
  for _, ad in ipairs(ads_of(r)) do asked[ad.member] = nil end
  for m in pairs(asked) do expect(r:lines{ ev = "attr", member = m }, m):to_have_length(0) end
end)

test("the rules again every Monday at 12:00, in every group, with the mode's penalty", function()
  local again = r:sends{ job = "rules-again" }
  expect(again):to_have_length(8)
  for _, s in ipairs(again) do
    expect(s.at):to_be(r:time("2026-11-23 12:00"))
    expect(s.msg.text):to_contain("【群规重申】")
    expect(s.msg.text):to_contain("禁止发广告、外部链接、小程序和二维码")
    expect(s.msg.text):to_contain("群里有机器人自动监控广告：发广告要给大家发红包，屡教不改将被移出群聊。")
  end
  expect(r:sends{ to = "group:sh-1", job = "rules-again" }):to_have_length(1)
end)

test("mode warn: a reminder of the rules, then removal at the third", function()
  local w = run{ days = 3, set = { mode = "warn" } }
  local ads = ads_of(w, 3)
  expect(#ads):to_be_at_least(10)
  local thirds = 0
  for _, ad in ipairs(ads) do
    local here = answers(w, ad, "group:" .. ad.group)
    if ad.n < 3 then
      expect(here[1].msg.text):to_contain("温馨提醒：本群禁止发广告")
      expect(here[1].msg.text):to_contain("这是第 " .. ad.n .. " 次提醒，再发 " .. (3 - ad.n) .. " 次将被移出群聊")
    elseif ad.n == 3 then
      expect(here[1].msg.text):to_contain("按群规将被移出群聊")
      thirds = thirds + 1
    end
  end
  expect(thirds):to_be_at_least(1)
  expect(w:lines{ ev = "tag", tag = "欠红包" }):to_have_length(0)
end)

test("mode remove, paid group: the first ad asks for removal and a refund", function()
  local x = run{ days = 2, set = { mode = "remove", paid = "true" } }
  local ads = ads_of(x, 2)
  expect(#ads):to_be_at_least(5)
  for _, ad in ipairs(ads) do
    local ops = answers(x, ad, "group:ops")
    expect(ops, ad.t):to_have_length(1)
    expect(ops[1].msg.text):to_contain("并按付费群规则办理退款")
    if ad.n == 1 then
      expect(answers(x, ad, "group:" .. ad.group)[1].msg.text):to_contain("按群规将被移出群聊")
    end
  end
  expect(x:sends{ job = "rules-again" }[1].msg.text):to_contain("发广告将被直接移出群聊")
end)

-- A second rehearsal with other spam (group_rules.model.lua): a
-- mini-program card, a bare www link, a keyword alone — and a member who
-- shares the shop's own link, which is not an ad; mode "remove", so that
-- every ad reaches the operators with its reason. Its weekly 群规重申
-- brings friends in, who are welcomed with the rules.
local m = run{ model = "group_rules.model.lua", days = 2, set = { mode = "remove" } }

test("mini-programs, www links and keywords are ads; the shop's own link is not", function()
  local seen = {}
  for _, ad in ipairs(ads_of(m, 2)) do
    local here = answers(m, ad, "group:" .. ad.group)
    seen[ad.text] = true
    if ad.text:find("shop.example", 1, true) then
      expect(#here + #answers(m, ad, "group:ops"), "the shop's own link at " .. ad.t):to_be(0)
    else
      expect(#here + #answers(m, ad, "group:ops"), ad.text .. " at " .. ad.t):to_be_at_least(1)
    end
  end
  local kinds = 0
  for _ in pairs(seen) do kinds = kinds + 1 end
  expect(kinds, "kinds of messages posted"):to_be(4)
  local ops = m:sends{ to = "group:ops" }
  local why = {}
  for _, s in ipairs(ops) do why[#why + 1] = s.msg.text end
  why = table.concat(why, "\n")
  expect(why):to_contain("（小程序）")
  expect(why):to_contain("（链接 www.cheap-deals.example）")
  expect(why):to_contain("（关键词「扫码进群」）")
end)

test("new members get the rules, in one message per group at the next half hour", function()
  local joins = m:events{ type = "member.joined" }
  expect(#joins, "friends who joined"):to_be_at_least(5)
  local welcomes = m:sends{ job = "welcome" }
  expect(#welcomes):to_be_at_least(1)
  local welcomed = {}
  for _, s in ipairs(welcomes) do
    expect(s.msg.text):to_contain("入群 🎉 先看看群规")
    expect(s.msg.text):to_contain("📌 本群群规")
    local min = tonumber(s.t:sub(15, 16))
    expect(min == 0 or min == 30, s.t):to_be_truthy()
    for _, id in ipairs(s.msg.mention) do welcomed[id] = s end
  end
  for _, j in ipairs(joins) do
    local s = welcomed[j.member]
    expect(s, j.member .. " welcomed"):to_be_truthy()
    expect(s.to):to_be("group:" .. j.group)
    expect(s.at - j.at):to_be_between(0, 30 * 60) -- joins happen in the day: the next batch
    expect(#m:lines{ ev = "tag", member = j.member, tag = "待看群规@" .. j.group, op = "remove" }):to_be(1)
  end
end)

test("staff are never handled", function()
  local ad = ads_of(r)[1]
  local s = run{ days = 2, set = { staff = ad.member } }
  local theirs = 0
  for _, e in ipairs(s:events{ type = "message", member = ad.member }) do
    theirs = theirs + 1
  end
  expect(theirs):to_be_at_least(1)
  expect(s:lines{ ev = "attr", member = ad.member }):to_have_length(0)
  expect(s:lines{ ev = "tag", member = ad.member }):to_have_length(0)
end)

test("no errors", function()
  expect(r:lines{ ev = "error" }):to_have_length(0)
  expect(m:lines{ ev = "error" }):to_have_length(0)
end)
