-- weekend_flash_sale_test.lua — the seed's timeline (seed 002) for a sale on
-- Saturday 2026-11-28 at 20:00, rehearsed from the Monday before with the
-- example team config: eight community groups sh-1 … sh-8 and the
-- temporary sale group sale-1128. Run it with
-- `qun test playbooks/weekend_flash_sale_test.lua`.
local SECRETS = { HOOK_SECRET = "test-hook-secret", PAY_SECRET = "test-pay-secret",
                  WECOM_KEY_SALE = "test-key-sale" }
for i = 1, 8 do SECRETS["WECOM_KEY_" .. i] = "test-key-" .. i end

local r = sim.run("weekend_flash_sale.lua", {
  config   = "weekend_flash_sale.team.lua",
  env      = SECRETS,
  start    = "2026-11-23 00:00", -- a Monday: the sale is that Saturday at 20:00
  days     = 7,
  audience = 1000,
})

local COMMUNITY = { "sh-1", "sh-2", "sh-3", "sh-4", "sh-5", "sh-6", "sh-7", "sh-8" }
local SALE = "sale-1128"
local JOIN = "https://shop.example/join/sale-1128"
local PREVIEW = "https://shop.example/sale/preview"
local SALE_URL = "https://shop.example/sale"
local START = r:time("2026-11-28 20:00")
local CLOSE = r:time("2026-11-28 22:00")
local K = "@" .. START -- every schedule of this sale carries its start

local function title(s) return s.msg.link and s.msg.link.title or s.msg.text end

-- ---- steps 1-3: a notice a day, the day before with the rain ------------

test("a notice a day at 20:00 on Wed, Thu and Fri, in every group", function()
  local days = { { "2026-11-25", 3 }, { "2026-11-26", 2 }, { "2026-11-27", 1 } }
  for _, g in ipairs(COMMUNITY) do
    for _, d in ipairs(days) do
      local day = r:sends{ to = "group:" .. g, between = { d[1] .. " 00:00", d[1] .. " 23:59" } }
      expect(day, g .. " on " .. d[1]):to_have_length(1) -- once a day, no more (rule 2)
      expect(day[1].t):to_be(d[1] .. "T20:00:00+08:00")
      expect(day[1].job):to_be("notice-" .. d[2] .. K)
      expect(day[1].msg.link.url):to_be(PREVIEW)
    end
  end
  local wed = r:sends{ job = "notice-3" .. K }
  expect(wed):to_have_length(9) -- 8 community groups and the sale group
  expect(wed[1].msg.link.title):to_be("周六 20:00 开抢,还有 3 天")
  expect(wed[1].msg.link.description):to_contain("爆款 5 折起")
  expect(r:sends{ job = "notice-2" .. K }[1].msg.link.title):to_be("周六 20:00 开抢,还有 2 天")
  -- nothing to the groups before Wednesday
  expect(r:sends{ to = "group:", between = { nil, "2026-11-25 20:00" } }):to_have_length(0)
end)

test("the day before, the notice announces the red-packet rain", function()
  local fri = r:sends{ job = "notice-1" .. K }
  expect(fri):to_have_length(9)
  for _, s in ipairs(fri) do
    expect(s.t):to_be("2026-11-27T20:00:00+08:00")
    expect(s.msg.link.title):to_be("明晚 20:00 开抢,还有 1 天")
    expect(s.msg.link.description):to_contain("明晚 19:00 各群先下红包雨 🧧 每群 90.00 元、3 轮")
  end
  expect(r:sends{ contains = "红包雨", between = { nil, "2026-11-27 00:00" } }):to_have_length(0)
end)

-- ---- step 4: the morning of the day -------------------------------------

test("the morning of the sale, 09:00, a notice in every group", function()
  local morning = r:sends{ job = "morning" .. K }
  expect(morning):to_have_length(9)
  for _, s in ipairs(morning) do
    expect(s.t):to_be("2026-11-28T09:00:00+08:00")
    expect(s.msg.link.title):to_be("今晚 20:00 开抢 ⏰")
    expect(s.msg.link.description):to_contain("19:00 红包雨预热,20:00 准时开始,只有 2 小时")
  end
end)

-- ---- step 5: the rain at 19:00 ------------------------------------------

test("the rain: 3 packets in each community group from 19:00, claimed, every ledger balanced", function()
  local times = { "2026-11-28T19:00:00+08:00", "2026-11-28T19:03:20+08:00", "2026-11-28T19:06:40+08:00" }
  local created = {}
  for _, l in ipairs(r:lines{ ev = "redpacket", op = "new" }) do created[l.packet] = l end
  for _, g in ipairs(COMMUNITY) do
    local rain = r:sends{ to = "group:" .. g, between = { "2026-11-28 19:00", "2026-11-28 19:30" } }
    expect(rain, "the rain in " .. g):to_have_length(3)
    local fen = 0
    for i, s in ipairs(rain) do
      expect(s.t):to_be(times[i])
      expect(s.job):to_be("rain-" .. g .. K .. "-" .. i) -- rain.plan's name, then -i
      local p = s.msg.redpacket
      expect(p.count):to_be(30)
      expect(p.url):to_be("https://shop.example/rp/" .. p.id)
      expect(p.note):to_contain("红包雨")
      expect(created[p.id], "packet " .. p.id .. " created"):to_be_truthy()
      expect(created[p.id].group):to_be(g)
      fen = fen + created[p.id].fen
    end
    expect(fen, "the rain's budget in " .. g):to_be(9000) -- 90.00 元, exactly
  end
  expect(#r:sends{ to = "group:" .. SALE, between = { "2026-11-28 19:00", "2026-11-28 20:00" } }):to_be(0)

  -- claims happened, and every packet balances: claimed + refunded = total
  local claimed, refunded, claims = {}, {}, 0
  for _, l in ipairs(r:lines{ ev = "redpacket", op = "claim" }) do
    claimed[l.packet] = (claimed[l.packet] or 0) + l.fen
    claims = claims + 1
  end
  for _, l in ipairs(r:lines{ ev = "redpacket", op = "refund" }) do refunded[l.packet] = l.fen end
  expect(claims):to_be_at_least(24 * 10)
  for id, p in pairs(created) do
    expect(refunded[id], "packet " .. id .. " closed at expiry"):to_be_truthy()
    expect((claimed[id] or 0) + refunded[id], "packet " .. id .. " balances"):to_be(p.fen)
  end
  -- every claim is paid through the payout webhook, whatever the member's cap
  expect(#r:sends{ channel = "pay" }):to_be(claims)
end)

-- ---- step 6: the invitations to the temporary sale group ---------------

test("members who show interest are invited to the sale group once, before the sale", function()
  -- what each member did that counts as interest: a click on the preview,
  -- a question, a reply with an intent word
  local interest = {}
  local function saw(member, at)
    if not interest[member] or at < interest[member] then interest[member] = at end
  end
  for _, e in ipairs(r:events{ type = "link.click" }) do
    if e.data and e.data.url == PREVIEW then saw(e.member, e.at) end
  end
  for _, e in ipairs(r:events{ type = "consult", between = { "2026-11-25 20:00" } }) do saw(e.member, e.at) end

  local invites, seen = {}, {}
  for _, s in ipairs(r:sends{ to = "member:" }) do
    if s.msg.link and s.msg.link.url == JOIN then invites[#invites + 1] = s end
  end
  expect(#invites):to_be_at_least(100)
  for _, s in ipairs(invites) do
    local m = s.to:sub(#"member:" + 1)
    expect(seen[m], m .. " invited twice").never:to_be_truthy()
    seen[m] = true
    expect(interest[m], m .. " showed interest"):to_be_truthy()
    expect(s.at):to_be_at_least(interest[m])
    expect(interest[m]):to_be_between(r:time("2026-11-25 20:00"), START - 1) -- from the first notice
    expect(s.msg.link.title):to_be("进群 · 周六 20:00 开抢")
  end
  -- each invited member is tagged 抢购群 (and untagged at the close)
  local tagged = {}
  for _, l in ipairs(r:lines{ ev = "tag", tag = "抢购群", op = "add" }) do tagged[l.member] = true end
  for m in pairs(seen) do expect(tagged[m], m .. " tagged"):to_be_truthy() end
  expect(#r:lines{ ev = "tag", tag = "抢购群", op = "remove" }):to_be(#r:lines{ ev = "tag", tag = "抢购群", op = "add" })
end)

test("VIPs (from the CRM's vip column) hear first, personally, on Tuesday", function()
  local v = sim.run("weekend_flash_sale.lua", {
    config = "weekend_flash_sale.team.lua", env = SECRETS, start = "2026-11-23 00:00", days = 7,
    members = "weekend_flash_sale_members.csv",
  })
  local vip = v:sends{ job = "vip" .. K }
  expect(vip):to_have_length(8) -- c005, c010, … c040
  for _, s in ipairs(vip) do
    expect(s.t):to_be("2026-11-24T20:00:00+08:00") -- a day before the first group notice
    expect(tonumber(s.to:match("^member:c(%d+)$")) % 5):to_be(0)
    expect(s.msg.link.title):to_be("VIP 专享 · 周六 20:00 开抢")
    expect(s.msg.link.url):to_be(JOIN)
  end
  local vips = 0
  for _, l in ipairs(v:lines{ ev = "tier" }) do
    if l.to == "VIP" then vips = vips + 1 end
  end
  expect(vips):to_be_at_least(8)
  expect(v:lines{ ev = "error" }):to_have_length(0)
end)

-- ---- step 7: the sale ---------------------------------------------------

test("20:00: the sale opens in every group, and the invited hear it personally", function()
  local open = r:sends{ job = "open" .. K, to = "group:" }
  expect(open):to_have_length(9)
  for _, s in ipairs(open) do
    expect(s.t):to_be("2026-11-28T20:00:00+08:00")
    expect(s.msg.link.title):to_be("限时抢购开始!只有 2 小时")
    expect(s.msg.link.url):to_be(SALE_URL)
  end
  local nudges = r:sends{ job = "open" .. K, to = "member:" }
  local invited = #r:lines{ ev = "tag", tag = "抢购群", op = "add" }
  expect(#nudges + #r:lines{ ev = "dropped", job = "open" .. K }):to_be(invited)
  expect(nudges[1].msg.link.title):to_contain(",开抢了!")
end)

-- Buyers of the sale: members with a purchase in [20:00, 22:00).
local function sale_buyers()
  local set, n = {}, 0
  for _, e in ipairs(r:events{ type = "purchase", between = { START, CLOSE } }) do
    if not set[e.member] then set[e.member], n = true, n + 1 end
  end
  return set, n
end

-- "恭喜 A、B 等 12 位 抢到了" → 12; "恭喜 A、B 抢到了" → 2
local function batch_size(text)
  local n = text:match("等 (%d+) 位")
  if n then return tonumber(n) end
  local who = text:match("恭喜 (.-) 抢到了")
  local k = 1
  for _ in who:gmatch("、") do k = k + 1 end
  return k
end

test("every order is celebrated in the sale group, in batches at most every 5 minutes", function()
  local _, buyers = sale_buyers()
  expect(buyers):to_be_at_least(20)
  local cel = r:sends{ to = "group:" .. SALE, contains = "恭喜" }
  expect(#cel):to_be_at_least(5)
  local named, last = 0, nil
  for _, s in ipairs(cel) do
    expect(s.at):to_be_between(START + 300, CLOSE)
    expect((s.at - START) % 300, "on the 5-minute grid"):to_be(0)
    if last then expect(s.at - last):to_be_at_least(300) end
    last = s.at
    named = named + batch_size(s.msg.text)
  end
  -- each buyer once (a member who buys again later is celebrated again)
  expect(named):to_be_at_least(buyers)
  expect(named):to_be(#r:lines{ ev = "tag", tag = "待庆祝" .. K, op = "add" })
  -- nothing is celebrated outside the sale, nowhere but in the sale group
  expect(r:sends{ to = "group:sh-", contains = "恭喜" }):to_have_length(0)
  -- the last celebration's count is the sale's buyers
  expect(cel[#cel].msg.text):to_contain("已经 " .. buyers .. " 位群友下单")
end)

test("a red packet in the sale group every 10 buyers, at most 5, and no robot over 20 a minute", function()
  local _, buyers = sale_buyers()
  local packets = r:sends{ to = "group:" .. SALE, between = { START, CLOSE + 1 } }
  local n = 0
  for _, s in ipairs(packets) do
    if s.msg.redpacket then
      n = n + 1
      expect(s.msg.redpacket.note):to_be("🎉 第 " .. n * 10 .. " 位群友下单,红包走起!")
      expect(s.msg.redpacket.total):to_be("20.00")
    end
  end
  expect(n):to_be(math.min(5, buyers // 10))
  local per_minute = {}
  for _, s in ipairs(r:sends{ to = "group:" }) do
    local k = s.channel .. " " .. s.t:sub(1, 16)
    per_minute[k] = (per_minute[k] or 0) + 1
    expect(per_minute[k], k):to_be_at_most(20)
  end
end)

-- ---- step 8: the close --------------------------------------------------

test("the countdown in the sale group, one last call in the community groups, the last message", function()
  local marks = r:sends{ to = "group:" .. SALE, contains = "限时抢购还剩" }
  expect(marks):to_have_length(3)
  local want = { { "2026-11-28T21:00:00+08:00", "1小时" }, { "2026-11-28T21:30:00+08:00", "30分钟" },
                 { "2026-11-28T21:50:00+08:00", "10分钟" } }
  for i, s in ipairs(marks) do
    expect(s.t):to_be(want[i][1])
    expect(s.msg.link.title):to_be("⏰ 限时抢购还剩 " .. want[i][2])
    expect(s.job):to_contain("countdown@" .. CLOSE)
  end
  local last = r:sends{ job = "last-call" .. K }
  expect(last):to_have_length(8)
  for _, s in ipairs(last) do
    expect(s.t):to_be("2026-11-28T21:30:00+08:00")
    expect(s.to).never:to_be("group:" .. SALE)
    expect(s.msg.link.title):to_be("限时抢购最后 30 分钟!")
    expect(s.msg.link.description):to_contain("位群友抢到了")
  end
  local _, buyers = sale_buyers()
  local close = r:sends{ job = "close" .. K, contains = "本次限时抢购结束" }
  expect(close):to_have_length(1)
  expect(close[1].t):to_be("2026-11-28T22:00:00+08:00")
  expect(close[1].to):to_be("group:" .. SALE)
  expect(close[1].msg.text):to_contain("共 " .. buyers .. " 位群友抢到")
  expect(close[1].msg.text):to_contain("临时群明晚解散")
  -- after the close, nothing more to any group
  expect(r:sends{ to = "group:", between = { CLOSE + 1 } }):to_have_length(0)
end)

test("the community groups hear six messages on the day, the sale group carries the sale", function()
  for _, g in ipairs(COMMUNITY) do
    expect(r:sends{ to = "group:" .. g, between = { "2026-11-28 00:00", "2026-11-29 00:00" } }, g)
      :to_have_length(6) -- morning, 3 rain packets, open, last call
  end
end)

test("nothing lands in quiet hours (22:30-08:00)", function()
  for d = 23, 29 do
    local from = ("2026-11-%02d 22:30"):format(d)
    local to = ("2026-11-%02d 08:00"):format(d + 1)
    expect(r:sends{ to = "member:", between = { from, to } }, from):to_have_length(0)
    expect(r:sends{ to = "group:", between = { from, to } }, from):to_have_length(0)
  end
end)

test("no handler raised an error; secrets never show", function()
  expect(r:lines{ ev = "error" }):to_have_length(0)
  for _, q in ipairs(r:requests{ channel = "wx-1" }) do
    expect(q.url):to_contain("key=***")
  end
  expect(r:requests{ contains = "test-key" }):to_have_length(0)
end)
