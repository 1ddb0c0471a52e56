-- fission_test.lua — seed 002's 老带新, rehearsed for a week on the example
-- team config: eight groups of 250, the kickoff on Monday 19:30, a reminder
-- a day, the close on Sunday; inviters rewarded and thanked; a red packet
-- for everyone when a group reaches 300, once.
local env = { HOOK_SECRET = "test-hook", PAY_SECRET = "test-pay" }
for i = 1, 8 do env["WECOM_KEY_SH" .. i] = "test-key-" .. i end

local base = {
  config   = "fission.team.lua",
  env      = env,
  start    = "2026-11-23 00:00", -- a Monday; the team config's kickoff is that day at 19:30
  days     = 7,
  audience = 2000,               -- 250 a group, as in the field
}
local function run(extra)
  local o = {}
  for k, v in pairs(base) do o[k] = v end
  for k, v in pairs(extra or {}) do o[k] = v end
  return sim.run("fission.lua", o)
end
local r = run()

local DAY = 86400
local function at(d, hhmm) return r:time("2026-11-23 " .. hhmm) + (d - 1) * DAY end
local groups = {}
for i = 1, 8 do groups[i] = "sh-" .. i end

-- The size of a group at time t: 250, plus who joined, minus who left.
local function size_at(run, g, t)
  local n = 250
  for _, e in ipairs(run:events{ type = "member.joined", group = g, between = { nil, t } }) do n = n + 1 end
  for _, e in ipairs(run:events{ type = "member.left", group = g, between = { nil, t } }) do n = n - 1 end
  return n
end

test("the campaign's timeline: kickoff Monday 19:30, a reminder a day, the close on Sunday", function()
  for _, g in ipairs(groups) do
    local to = "group:" .. g
    local kickoff = r:sends{ to = to, job = "kickoff" }
    expect(kickoff, g):to_have_length(2)
    expect(kickoff[1].at):to_be(at(1, "19:30"))
    expect(kickoff[1].msg.redpacket.total):to_be("30.00")
    expect(kickoff[1].msg.redpacket.count):to_be(20)
    expect(kickoff[2].msg.text):to_be("🎁 老带新有礼！邀请好友入群，每邀请 1 位送你 20 积分；"
                                   .. "群满 300 人再发 50.00 元红包 🧧 邀请链接 👉 https://shop.example/join")
    for d = 1, 5 do
      local rem = r:sends{ to = to, job = "reminder-" .. d }
      expect(rem, g .. " reminder " .. d):to_have_length(1)
      expect(rem[1].at):to_be(at(d + 1, "19:30"))
      expect(rem[1].msg.text):to_contain("老带新第 " .. (d + 1) .. " 天：群里已有 " .. size_at(r, g, rem[1].at) .. " 人")
      expect(rem[1].msg.text):to_contain("邀请链接 👉 https://shop.example/join")
    end
    local close = r:sends{ to = to, job = "close" }
    expect(close):to_have_length(1)
    expect(close[1].at):to_be(at(7, "19:30"))
    expect(close[1].msg.text):to_contain("群里现在 " .. size_at(r, g, close[1].at) .. " 人")
    expect(close[1].msg.text):to_contain("这 7 天有 " .. (size_at(r, g, close[1].at) - 250) .. " 位新朋友入群")
  end
  -- Before the kickoff the playbook says nothing.
  expect(r:sends{ between = { nil, at(1, "19:30") } }):to_have_length(0)
end)

test("members bring friends: every inviter earns 20 points a friend", function()
  local joins = r:events{ type = "member.joined" }
  expect(#joins, "friends who joined"):to_be_at_least(300)
  local invited = {}
  for _, e in ipairs(joins) do
    expect(e.data.inviter, e.member):to_be_truthy()
    invited[e.data.inviter] = (invited[e.data.inviter] or 0) + 1
  end
  local last = {} -- each member's last value of each attribute
  for _, l in ipairs(r:lines{ ev = "attr" }) do
    last[l.member] = last[l.member] or {}
    last[l.member][l.key] = l.value
  end
  local inviters, stars = 0, 0
  for m, n in pairs(invited) do
    expect(last[m].invites, m .. "'s invites"):to_be(n)
    expect(last[m].points, m .. "'s points"):to_be(20 * n)
    inviters = inviters + 1
    if n >= 5 then stars = stars + 1 end
  end
  expect(inviters):to_be_at_least(100)
  expect(#r:lines{ ev = "tag", tag = "邀请达人", op = "add" }):to_be(stars)
end)

test("new members are welcomed and their inviters thanked, at the next hour from 09:00 to 21:00", function()
  local welcomed, thanked, full = {}, {}, {}
  for _, s in ipairs(r:sends{ job = "thanks" }) do
    local h, min = tonumber(s.t:sub(12, 13)), s.t:sub(15, 19)
    expect(min, s.t):to_be("00:00")
    expect(h >= 9 and h <= 21, s.t):to_be_truthy()
    local fresh = select(2, (s.msg.text:match("欢迎 (.-) 加入我们") or ""):gsub("@", ""))
    expect(fresh):to_be_at_most(20)
    full[s.to .. s.at] = fresh == 20 -- a full batch: the rest wait for the next
    for i, id in ipairs(s.msg.mention) do
      if i <= fresh then welcomed[id] = welcomed[id] or s else thanked[id] = thanked[id] or s end
    end
  end
  local tags = {}
  for _, l in ipairs(r:lines{ ev = "tag", op = "remove" }) do tags[l.member .. l.tag] = true end
  for _, e in ipairs(r:events{ type = "member.joined" }) do
    local s = welcomed[e.member]
    expect(s, e.member .. " welcomed"):to_be_truthy()
    expect(s.to):to_be("group:" .. e.group)
    expect(s.at > e.at, e.member):to_be_truthy()
    local h = tonumber(e.t:sub(12, 13))
    local next_batch = (e.at // 3600 + 1) * 3600
    if h >= 9 and h < 21 and not full["group:" .. e.group .. next_batch] then
      expect(s.at, e.member .. " joined at " .. e.t):to_be(next_batch)
    end
    expect(thanked[e.data.inviter], e.data.inviter .. " thanked"):to_be_truthy()
    expect(tags[e.member .. "待欢迎@" .. e.group], e.member):to_be_truthy()
  end
  -- Thanks never ask for more invitations (the reminders do).
  expect(r:sends{ job = "thanks", contains = "邀请" }):to_have_length(0)
end)

test("at 300 members a red packet for everyone, once per group", function()
  for _, g in ipairs(groups) do
    local to = "group:" .. g
    local said = r:sends{ to = to, contains = "群里满 300 人啦" }
    expect(said, g):to_have_length(1)
    local when = said[1].at
    expect(size_at(r, g, when + 1)):to_be_at_least(300)
    expect(size_at(r, g, when)):to_be_at_most(299) -- the join that made it 300 is this second
    local who = said[1].msg.mention[1]
    expect(#r:events{ type = "member.joined", member = who, group = g }):to_be(1)
    expect(#r:lines{ ev = "tag", tag = "里程碑@" .. g .. "#300" }):to_be(1)
    local packets = r:sends{ to = to, job = "on member.joined" }
    expect(packets):to_have_length(2) -- the words, then the packet
    expect(packets[2].msg.redpacket.total):to_be("50.00")
    expect(packets[2].msg.redpacket.count):to_be(30)
    expect(packets[2].msg.redpacket.note):to_be("群满 300 人啦！")
    -- Reminders before it point at 300, after it at 400.
    for d = 1, 5 do
      local rem = r:sends{ to = to, job = "reminder-" .. d }[1]
      expect(rem.msg.text):to_contain(rem.at < when and "就满 300 人" or "就满 400 人")
    end
  end
  expect(r:sends{ contains = "群里满 400 人啦" }):to_have_length(0)
end)

test("every red packet balances; every claim is paid through the payout webhook", function()
  local new = r:lines{ ev = "redpacket", op = "new" }
  expect(new):to_have_length(16) -- 8 kickoffs, 8 milestones
  local claims = 0
  for _, p in ipairs(new) do
    local claimed, n = 0, 0
    for _, c in ipairs(r:lines{ ev = "redpacket", op = "claim", packet = p.packet }) do
      claimed, n = claimed + c.fen, n + 1
    end
    expect(n):to_be_at_most(p.count)
    expect(claimed):to_be_at_most(p.fen)
    local refund = r:lines{ ev = "redpacket", op = "refund", packet = p.packet }
    if #refund == 1 then expect(claimed + refund[1].fen):to_be(p.fen) end
    claims = claims + n
  end
  expect(claims):to_be_at_least(100)
  expect(#r:requests{ channel = "pay" }):to_be(claims)
end)

test("milestones already passed before the kickoff are not paid", function()
  local v = run{ days = 2, set = { milestones = "200,260" } }
  expect(v:sends{ contains = "群里满 200 人啦" }):to_have_length(0)
  for _, g in ipairs(groups) do
    expect(v:sends{ to = "group:" .. g, contains = "群里满 260 人啦" }, g):to_have_length(1)
  end
  expect(v:sends{ job = "kickoff", contains = "群满 260 人" }):to_have_length(8)
end)

test("a small red packet per friend, one to one, within the members' daily cap", function()
  local v = run{ days = 3, audience = 800, set = { friend_packet = "1.88" } }
  local rewarded = 0
  for _, e in ipairs(v:events{ type = "member.joined" }) do
    local inviter = "member:" .. e.data.inviter
    local sent = v:sends{ to = inviter, between = { e.at, e.at + 1 } }
    local dropped = v:lines{ ev = "dropped", to = inviter, reason = "member_cap", between = { e.at, e.at + 1 } }
    expect(#sent + #dropped, inviter):to_be(1)
    if #sent == 1 then
      expect(sent[1].channel):to_be("hook")
      expect(sent[1].msg.redpacket.total):to_be("1.88")
      rewarded = rewarded + 1
    end
  end
  expect(rewarded):to_be_at_least(20)
end)

test("nothing in quiet hours, no errors", function()
  for d = 1, 7 do
    expect(r:sends{ to = "group:", between = { at(d, "22:00"), at(d + 1, "08:00") } }):to_have_length(0)
  end
  expect(r:lines{ ev = "error" }):to_have_length(0)
end)
