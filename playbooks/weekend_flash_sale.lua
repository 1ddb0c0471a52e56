-- weekend_flash_sale.lua — the weekend flash sale of seed 002 (搶購式社群營銷,
-- "线上会销"), the way the article runs it for a Saturday 20:00 sale of two
-- hours:
--
--   1  需要提前至少3天开始发群公告,不断的造势      notices, once a day, from 3 days before
--   2  前几天每天公告1次就好了,避免过度的打扰      ... and only once a day
--   3  活动前1天红包雨预告,充分唤醒                the day before: the rain is announced
--   4  活动当天一早再次通知                        the morning of the day: notice again
--   5  活动前1小时红包雨再次通知                    1 hour before: the red-packet rain itself
--   6  过程中有参与抢购的群友可以进入新群,直到抢购开始
--                                                  members who want to buy get a personal
--                                                  invitation to the temporary sale group
--   7  一旦成交就红包雨和表情包刷起来,截图吸引还没参加的人群,制造紧迫感
--                                                  every order is celebrated in the sale group,
--                                                  every N orders a red packet; the community
--                                                  groups hear how many have bought
--   8  (Q&A 7) 秒杀、抢购环节要策划好; 临时群完成目标就解散 (Q&A 6)
--                                                  a countdown to the close, a last message,
--                                                  the temporary group is told it closes
--   +  80%的成交由20%的客户带来 ... 把他们当做VIP    VIPs hear first, personally
--
-- Two kinds of groups: the community groups (常驻群, `groups`) where the sale
-- is announced and the temporary sale group (临时抢购群, `sale_group`) where
-- it happens. The community groups hear at most one message a day before
-- the sale and a few on the day (rule 2); the intensity is in the sale group.
--
-- Everything that fires at a moment is a named schedule whose name carries
-- the sale's start (epoch seconds), so a restart neither repeats nor loses
-- a message and next week's sale in the same database gets its own names.
-- The per-sale tags are cleared at the close for the same reason.
playbook {
  name    = "weekend-flash-sale",
  version = "1.0.0",
  title   = "周末限时抢购",
  summary = "Saturday 20:00, two hours: three days of notices, the rain the hour before, "
         .. "a temporary sale group, a celebration on every order, a countdown to the close.",
  params  = {
    groups        = { type = "list", of = "group", doc = "the community groups (常驻群) where the sale is announced" },
    sale_group    = { type = "group", doc = "the temporary sale group (临时抢购群) where the sale happens" },
    sale_group_url = { type = "string", default = "https://shop.example/join/sale",
                       doc = "the sale group's join link (群活码) sent in each invitation" },
    preview_url   = { type = "string", default = "https://shop.example/sale/preview",
                      doc = "the sale's preview page: the notices link here; a click is interest" },
    sale_url      = { type = "string", default = "https://shop.example/sale",
                      doc = "the sale page: the links of the sale itself" },
    offer         = { type = "string", default = "爆款 5 折起,前 100 单送礼",
                      doc = "what is on sale, one line, used in every notice" },
    start         = { type = "time", default = "sat 20:00", doc = "when the sale opens" },
    length        = { type = "duration", default = "2h", doc = "how long it lasts" },
    notice_days   = { type = "integer", default = 3,
                      doc = "notices start this many days before, one a day at the sale's time of day" },
    morning       = { type = "duration", default = "11h",
                      doc = "the morning notice goes this long before the start (11h: 09:00 for 20:00)" },
    rain_lead     = { type = "duration", default = "1h", doc = "the red-packet rain starts this long before the sale" },
    rain_window   = { type = "duration", default = "10m", doc = "the rain's packets are spread over this window" },
    rain_packets  = { type = "integer", default = 3, doc = "packets in each group's rain" },
    rain_count    = { type = "integer", default = 30, doc = "shares in each rain packet" },
    rain_budget   = { type = "money", default = "90.00", doc = "each group's rain, yuan (split over its packets)" },
    sale_budget   = { type = "money", default = "100.00", doc = "the sale group's packets during the sale, yuan" },
    sale_packets  = { type = "integer", default = 5, doc = "at most this many packets during the sale" },
    sale_count    = { type = "integer", default = 20, doc = "shares in each packet during the sale" },
    packet_every  = { type = "integer", default = 10, doc = "a packet in the sale group every this many buyers" },
    celebrate_every = { type = "duration", default = "5m",
                        doc = "celebrations are batched: at most one message in this time" },
    marks         = { type = "list", of = "duration", default = "1h,30m,10m",
                      doc = "the countdown to the close, in the sale group" },
    last_call     = { type = "duration", default = "30m",
                      doc = "the one reminder in the community groups, this long before the close" },
    intent_words  = { type = "list", of = "string", default = { "想要", "想买", "我要", "求链接", "怎么买" },
                      doc = "a member who says one of these (or clicks the preview) is invited" },
    sale_tag      = { type = "string", default = "抢购群", doc = "the tag of the members invited to the sale group" },
    buyer_tag     = { type = "string", default = "已下单", doc = "the tag of this sale's buyers" },
    vip_orders    = { type = "integer", default = 3, doc = "VIP: at least this many purchases in vip_window" },
    vip_window    = { type = "duration", default = "180d", doc = "the purchase history that makes a VIP" },
    vip_attr      = { type = "string", default = "vip",
                      doc = "or a member attribute from the CRM (members.csv column) that says yes/1/VIP" },
    vip_lead      = { type = "duration", default = "1d", doc = "VIPs hear this long before the first group notice" },
    close_text    = { type = "string", default = "谢谢每一位支持我们的群友 ❤️ 临时群明晚解散,下周六晚上常驻群见!",
                      doc = "the last words in the sale group" },
  },
}

local P = params

local CLOSE = P.start + P.length
local FIRST_NOTICE = P.start - P.notice_days * DAY
local VIP_NOTICE = FIRST_NOTICE - P.vip_lead      -- VIPs are invited first ...
local INVITE_UNTIL = P.start                      -- ... everyone else from the first notice
                                                  -- until the sale opens (rule 6)
local PENDING = "待庆祝@" .. P.start              -- buyers not yet named in a celebration
local FRESH = "新买家@" .. P.start                -- first-time buyers not yet counted in one

-- Names of this sale's schedules: "notice-3@1795874400" and so on.
local function key(name) return name .. "@" .. P.start end

-- "周六 20:00" from epoch seconds, in the run's time zone.
local WEEKDAYS = { "周日", "周一", "周二", "周三", "周四", "周五", "周六" }
local function when(t)
  local d = os.date("*t", t)
  return ("%s %02d:%02d"):format(WEEKDAYS[d.wday], d.hour, d.min)
end
local function clock(t) return os.date("%H:%M", t) end

-- Values that would make no sale, refused at load with this file's line.
local function need(ok, msg) if not ok then error(msg, 2) end end
need(P.notice_days >= 3, "notice_days: the seed asks for notices from at least 3 days before, not "
                         .. P.notice_days)
need(#P.groups >= 1, "groups: give at least one community group")
need(P.length >= MINUTE, "length: the sale lasts at least a minute")
need(P.celebrate_every >= MINUTE, "celebrate_every: at least 1m (a robot takes 20 messages a minute)")
need(P.packet_every >= 1 and P.sale_packets >= 1, "packet_every and sale_packets: at least 1")
need(P.last_call < P.length, "last_call: the last call comes during the sale")

-- Plain text for the dry-run's behaviour model and for members alike:
-- before 20:00 the texts say 开抢 and link to the preview, never to the
-- sale page, and carry none of the sale's words (抢购, 下单, 秒杀, 限时,
-- 优惠 ...): nobody can buy before the sale opens, so a click before it is
-- interest (an invitation), not an order. The sale's words come at 20:00.

local everywhere = {}                 -- community groups, then the sale group
for _, g in ipairs(P.groups) do everywhere[#everywhere + 1] = g end
everywhere[#everywhere + 1] = P.sale_group

local function to_all(msg, vars)
  for _, g in ipairs(everywhere) do send(g, msg, vars) end
end

-- ---- VIPs: the 20% who bring 80% of the sales (seed 002) ----------------

local VIP_YES = { ["1"] = true, yes = true, ["true"] = true, VIP = true, vip = true, ["是"] = true }
tier.define {
  { "VIP", function(m)
      return VIP_YES[tostring(m.attrs[P.vip_attr] or "")]
          or m:count("purchase", os.time() - P.vip_window) >= P.vip_orders
  end },
}

-- ---- Step 6: the invitation to the temporary sale group ---------------

-- One invitation per member and sale: the tag says it went. A member
-- already in the sale group is only tagged.
local function invite(m, why)
  if tag.has(m, P.sale_tag) then return end
  tag.add(m, P.sale_tag)
  for _, g in ipairs(m:groups()) do
    if g == P.sale_group then return end
  end
  send(m, { link = {
    title       = "进群 · " .. when(P.start) .. " 开抢",
    description = "{name},专属群里先发红包、先开抢,点这里进群 👉",
    url         = P.sale_group_url,
  } })
  log("invited %s to %s (%s)", m.id, P.sale_group, why)
end

local function inviting(t) return t >= FIRST_NOTICE and t < INVITE_UNTIL end

on("link.click", function(ev)
  local url = ev.data and ev.data.url
  if url == P.preview_url and inviting(ev.at) then invite(ev.member, "clicked the preview") end
end)

local function says_intent(text)
  if type(text) ~= "string" then return false end
  for _, w in ipairs(P.intent_words) do
    if text:find(w, 1, true) then return true end
  end
  return false
end

-- A reply in a group ("想要", "怎么买") or a question is interest too.
on("message", function(ev)
  if inviting(ev.at) and says_intent(ev.data and ev.data.text) then invite(ev.member, "replied") end
end)
on("consult", function(ev)
  if inviting(ev.at) then invite(ev.member, "asked") end
end)

-- Whoever joins the sale group before the close (through an invitation
-- or the group's QR code) is in this sale's audience.
on("member.joined", function(ev)
  if ev.group == P.sale_group and ev.at < CLOSE and not tag.has(ev.member, P.sale_tag) then
    tag.add(ev.member, P.sale_tag)
  end
end)

-- The VIPs hear before anyone, personally, with the invitation (seed 002:
-- 把他们当做VIP ... 获得更有价值的尊重需求).
schedule.at(VIP_NOTICE, key("vip"), function()
  for m in members{ tier = "VIP" } do
    if not tag.has(m, P.sale_tag) then
      tag.add(m, P.sale_tag)
      send(m, { link = {
        title       = "VIP 专享 · " .. when(P.start) .. " 开抢",
        description = "{name},先告诉您:{offer}。VIP 先进专属群,红包和好货都先给您 👉",
        url         = P.sale_group_url,
      } }, { offer = P.offer })
    end
  end
end)

-- ---- Steps 1-3: a notice a day; the day before, the rain ---------------

-- The rain of step 5, planned now so that the notices can tell it and a
-- rain that cannot be paid fails at load: one plan per community group
-- (the rain wakes the community up, 充分唤醒; the sale group has its own
-- packets during the sale, and its members are in a community group too).
local rain = require "qun.rain"
for _, g in ipairs(P.groups) do
  rain.plan {
    at = P.start - P.rain_lead, window = P.rain_window, packets = P.rain_packets,
    total = P.rain_budget, count = P.rain_count, group = g, name = key("rain-" .. g),
    note = "🧧 红包雨 · " .. clock(P.start) .. " 开抢",
  }
end

for d = P.notice_days, 1, -1 do
  schedule.at(P.start - d * DAY, key("notice-" .. d), function()
    local card = {
      title       = when(P.start) .. " 开抢,还有 {d} 天",
      description = "{offer}。只有 {hours},先看看有什么 👉",
      url         = P.preview_url,
    }
    if d == 1 then -- step 3: the day before, the rain is announced
      card.title = "明晚 " .. clock(P.start) .. " 开抢,还有 1 天"
      card.description = "明晚 {rain_at} 各群先下红包雨 🧧 每群 {rain} 元、{packets} 轮,准时来抢!{offer} 👉"
    end
    to_all({ link = card }, { d = d, offer = P.offer, hours = P.length // HOUR .. " 小时",
                              rain_at = clock(P.start - P.rain_lead), rain = redpacket.yuan(P.rain_budget),
                              packets = P.rain_packets })
  end)
end

-- ---- Step 4: the morning of the day ------------------------------------

schedule.at(P.start - P.morning, key("morning"), function()
  to_all({ link = {
    title       = "今晚 " .. clock(P.start) .. " 开抢 ⏰",
    description = "{rain_at} 红包雨预热,{start} 准时开始,只有 {hours}。{offer} 👉",
    url         = P.preview_url,
  } }, { rain_at = clock(P.start - P.rain_lead), start = clock(P.start),
         hours = P.length // HOUR .. " 小时", offer = P.offer })
end)

-- Step 5, the rain itself, is the plans above: each packet a named
-- schedule that creates it (redpacket.new) and posts it with its claim
-- link (the config's redpacket.claim_url); unclaimed money is refunded
-- at expiry, so every packet's ledger balances.

-- ---- Step 7: the sale ---------------------------------------------------

-- How many have bought in this sale so far.
local function buyers()
  local n = 0
  for _ in members{ tag = P.buyer_tag } do n = n + 1 end
  return n
end

schedule.at(P.start, key("open"), function()
  to_all({ link = {
    title       = "限时抢购开始!只有 {hours}",
    description = "{offer},手慢无,现在下单 👉",
    url         = P.sale_url,
  } }, { hours = P.length // HOUR .. " 小时", offer = P.offer })
  -- The members who showed interest hear it personally too: the tag
  -- targets them wherever they are (the later sale messages of rule 6).
  send({ tag = P.sale_tag }, { link = {
    title       = "{name},开抢了!",
    description = "你关注的限时抢购已经开始,只有 {hours},现在下单 👉",
    url         = P.sale_url,
  } }, { hours = P.length // HOUR .. " 小时" })
end)

on("purchase", function(ev)
  if ev.at < P.start or ev.at >= CLOSE then return end -- not this sale's order
  if not tag.has(ev.member, P.buyer_tag) then
    tag.add(ev.member, P.buyer_tag)
    tag.add(ev.member, FRESH)
  end
  tag.add(ev.member, PENDING)
end)

-- The sale group's packets during the sale: sale_budget split exactly
-- over sale_packets (like a rain), each checked now so that a budget that
-- cannot be paid fails at load.
local sale_packets = {}
do
  local each, extra = P.sale_budget // P.sale_packets, P.sale_budget % P.sale_packets
  for i = 1, P.sale_packets do
    local spec = { total = each + (i <= extra and 1 or 0), count = P.sale_count, group = P.sale_group,
                   note = "🎉 第 " .. i * P.packet_every .. " 位群友下单,红包走起!" }
    local ok, why = redpacket.check(spec)
    need(ok, ("sale packet %d of %d: %s"):format(i, P.sale_packets, why))
    sale_packets[i] = spec
  end
end

-- A celebration: the buyers not yet named, in one message, and the packets
-- of the milestones they crossed (every packet_every buyers). Every order
-- is celebrated, but at most once per celebrate_every: a WeCom robot takes
-- 20 messages a minute and a group that scrolls with one line per order
-- is noise, so orders are batched ("恭喜 A、B、C 等 12 位"). One message
-- plus the rare packet per batch keeps each robot far below its limit,
-- with room for the countdown and the close. The celebration is in the
-- group, never a personal message per order: the buyer's personal
-- messages are capped (caps.member_per_day) and kept for what matters.
local function take(t) -- the members tagged t, untagged
  local list = {}
  for m in members{ tag = t } do list[#list + 1] = m end
  for _, m in ipairs(list) do tag.remove(m, t) end
  return list
end

local function celebrate()
  local pending = take(PENDING)
  if #pending == 0 then return end
  local fresh = #take(FRESH) -- a member who buys again is named again, counted once
  local names = {}
  for i = 1, math.min(8, #pending) do names[i] = pending[i].name or pending[i].id end
  local total = buyers()
  local who = table.concat(names, "、")
  if #pending > #names then who = who .. " 等 " .. #pending .. " 位" end
  send(P.sale_group, "🎉🎉🎉 恭喜 {who} 抢到了!已经 {total} 位群友下单,还没下单的抓紧 🔥",
       { who = who, total = total })
  local before = total - fresh
  for k = before // P.packet_every + 1, total // P.packet_every do
    if sale_packets[k] then send(P.sale_group, redpacket.new(sale_packets[k])) end
  end
end

for t = P.start + P.celebrate_every, CLOSE - 1, P.celebrate_every do
  schedule.at(t, key("celebrate-" .. (t - P.start) // MINUTE .. "m"), celebrate)
end

-- ---- Step 8: the close: a countdown in the sale group, one last call in
-- the community groups (with how many have bought: the "screenshot" that
-- draws in those who have not), the last message ----------------------

countdown(CLOSE, P.marks, function(left)
  send(P.sale_group, { link = {
    title       = "⏰ 限时抢购还剩 {left}",
    description = "已经 {total} 位群友下单,结束就恢复原价,抓紧 👉",
    url         = P.sale_url,
  } }, { left = left, total = buyers() })
end)

schedule.at(CLOSE - P.last_call, key("last-call"), function()
  local left = P.last_call // MINUTE .. " 分钟"
  for _, g in ipairs(P.groups) do
    send(g, { link = {
      title       = "限时抢购最后 {left}!",
      description = "已经 {total} 位群友抢到了,结束就恢复原价,最后的机会 👉",
      url         = P.sale_url,
    } }, { left = left, total = buyers() })
  end
end)

schedule.at(CLOSE, key("close"), function()
  celebrate() -- the last buyers are named before the end
  send(P.sale_group, "🏁 本次限时抢购结束!共 {total} 位群友抢到。{close_text}",
       { total = buyers(), close_text = P.close_text })
  -- This sale's tags are done: next week's sale starts clean.
  for _, t in ipairs({ P.sale_tag, P.buyer_tag, PENDING, FRESH }) do take(t) end
end)
