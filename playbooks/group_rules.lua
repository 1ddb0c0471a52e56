-- group_rules.lua — 群规: no ads in the group (seeds 000, 002, 004).
--   · the rules, posted to every new member and again each week (seed 000
--     "群规&群公告": no outside ads, no sensitive topics, no insults, no
--     private deals; seed 004 "明确社群规则"; seed 002 Q9: "一开始就要明确群规,
--     不能发广告,发广告要发红包" and "告诉大家群里有机器人自动监控广告");
--   · a member who posts an ad (a link to another site, a mini-program
--     card, or a word of the keyword list) is handled by one of seed 002's
--     three approaches, chosen by the `mode` param:
--       warn       remind them of the rules in the group, @-mentioning them;
--       redpacket  温柔的方法: "@XX 哇有人发广告咯，快发红包，不要会被踢的" — the
--                  penalty is a red packet for the group;
--       remove     中性/暴力的方法: say in the group that they are removed for
--                  posting ads. A robot cannot remove anyone from a WeChat or
--                  WeCom group: the playbook asks the operators (ops_group)
--                  to do it and tags the member 待移出; the operator removes
--                  them by hand, and the member.left event closes the case;
--   · repeat offenders escalate: whatever the mode, the `remove_after`-th
--     ad asks for removal ("如果确实屡教不改，那么移出，退款"), with the refund
--     named for a paid group.
-- Chat reaches the playbook as `message` events from the team's backend
-- (WeCom's message archive, a bridge): data.text, and data.msgtype "weapp"
-- for a mini-program card or "link" with data.url for a link card.
playbook {
  name    = "group-rules",
  version = "1.0.0",
  title   = "群规与广告处理：提醒、罚红包、移出",
  summary = "The group rules for every new member and weekly; an ad (outside link, mini-program, "
         .. "keyword) is warned, fined a red packet or reported for removal, by param; repeat "
         .. "offenders are reported for removal.",
  params  = {
    groups = { type = "list", of = "group", doc = "the groups whose rules this playbook keeps" },
    mode   = { type = "enum", values = { "warn", "redpacket", "remove" }, default = "warn",
               doc = "how an ad is handled (seed 002): warn = a reminder of the rules; "
                  .. "redpacket = the poster owes the group a red packet; remove = the operators remove them" },
    remove_after = { type = "integer", default = 3,
                     doc = "the member's ad that asks for removal whatever the mode (屡教不改)" },
    paid   = { type = "boolean", default = false,
               doc = "a paid group: a removal request also asks the operators to refund (移出，退款)" },
    ops_group = { type = "group", required = false,
                  doc = "the operators' own group (its robot) for removal requests; without it they only "
                     .. "tag the member 待移出 and appear in the log" },

    keywords = { type = "list", of = "string",
                 default = { "加我微信", "加微信", "私聊我", "兼职", "日结", "代购", "刷单", "扫码进群", "拼团砍价" },
                 doc = "words that make a message an ad" },
    allow_links = { type = "list", of = "string", default = { "shop.example" },
                    doc = "domains whose links are not ads (the brand's own shop; subdomains too)" },
    staff = { type = "list", of = "string", default = {},
              doc = "member ids of admins, staff and 群托: their messages are never handled" },

    rules_text = { type = "string",
                   default = "📌 本群群规\n1. 禁止发广告、外部链接、小程序和二维码；\n2. 禁止谈论敏感话题，禁止辱骂他人；\n"
                          .. "3. 禁止私下交易，谨防上当；\n4. 未经同意不外传群友的个人信息；\n"
                          .. "5. 群里有机器人自动监控广告：{penalty}。",
                   doc = "the rules; {penalty} fills in what an ad costs under the mode" },
    welcome_at = { type = "string", default = "*/30 8-21 * * *",
                   doc = "when new members are welcomed with the rules, in one message per group (a schedule spec)" },
    welcome_text = { type = "string", default = "欢迎 {names} 入群 🎉 先看看群规：\n{rules}",
                     doc = "the welcome: {names} and {rules} fill in" },
    rules_again = { type = "string", default = "mon 12:00",
                    doc = "when the rules are posted again (a schedule spec); \"never\" for never" },
  },
}

local P = params

local ours = {}
for _, g in ipairs(P.groups) do ours[g] = true end
local staff = {}
for _, id in ipairs(P.staff) do staff[id] = true end
if P.remove_after < 1 then error("param 'remove_after': at least 1 (the first ad)") end

local penalty = ({
  warn      = "发广告会被提醒，屡次发广告将被移出群聊",
  redpacket = "发广告要给大家发红包，屡教不改将被移出群聊",
  remove    = "发广告将被直接移出群聊",
})[P.mode]
local rules = P.rules_text:gsub("{penalty}", penalty)

-- ---- what an ad is ----

local function allowed(host)
  for _, d in ipairs(P.allow_links) do
    if host == d or host:sub(-#d - 1) == "." .. d then return true end
  end
  return false
end

-- The reason a message is an ad ("链接 spam.example", "小程序", "关键词「兼职」"), or nil.
local function ad_reason(data)
  if type(data) ~= "table" then return nil end
  local text = type(data.text) == "string" and data.text or ""
  if data.msgtype == "weapp" or data.msgtype == "miniprogram" or text:find("^%[小程序%]") then
    return "小程序"
  end
  local urls = { type(data.url) == "string" and data.url or nil }
  for u in text:gmatch("https?://[^%s]+") do urls[#urls + 1] = u end
  for u in text:gmatch("www%.[^%s]+") do urls[#urls + 1] = "http://" .. u end
  for _, u in ipairs(urls) do
    local host = (u:match("^%a+://([^/:?#]+)") or ""):lower()
    if host ~= "" and not allowed(host) then return "链接 " .. host end
  end
  for _, w in ipairs(P.keywords) do
    if text:find(w, 1, true) then return "关键词「" .. w .. "」" end
  end
  return nil
end

-- ---- the three approaches ----

local function name_of(m) return m.name or m.id end

-- At most n bytes of s, cut at a character's start (UTF-8).
local function clip(s, n)
  if #s <= n then return s end
  while n > 0 and (s:byte(n + 1) & 0xC0) == 0x80 do n = n - 1 end
  return s:sub(1, n) .. "…"
end

local function warn(m, g, n)
  local left = P.remove_after - n
  send(g, { text = "@{name} 温馨提醒：本群禁止发广告（群规第 1 条），群里有机器人自动监控。"
                .. "这是第 {n} 次提醒，再发 {left} 次将被移出群聊。", mention = { m.id } },
       { name = name_of(m), n = n, left = left })
end

local function ask_redpacket(m, g, n)
  tag.add(m, "欠红包")
  send(g, { text = "哇，@{name} 发广告咯！按群规，发广告要给大家发个红包🧧，"
                .. "不然会被请出群的哦～（第 {n} 次，满 {max} 次移出群聊）", mention = { m.id } },
       { name = name_of(m), n = n, max = P.remove_after })
end

local function remove(m, g, n, why, text)
  local again = tag.has(m, "待移出")
  tag.add(m, "待移出")
  if not again then
    send(g, { text = "因系统检测到 @{name} 发广告，按群规将被移出群聊。请大家不要发广告，一起维护群里的环境 🙏",
              mention = { m.id } }, { name = name_of(m) })
  end
  local ask = (again and "【仍未移出】" or "【请移出】")
           .. "{group} 群的 {name}（{id}）第 {n} 次发广告（{why}）：「{text}」。请把 TA 移出群聊"
           .. (P.paid and "，并按付费群规则办理退款" or "") .. "。"
  local vars = { group = g, name = name_of(m), id = m.id, n = n, why = why, text = clip(text, 300) }
  if P.ops_group then
    send(P.ops_group, ask, vars)
  else
    log("%s: %s (%s) posted ad %d (%s): to be removed by an operator", g, m.id, name_of(m), n, why)
  end
end

on("message", function(ev)
  if not ours[ev.group] or staff[ev.member.id] then return end
  local why = ad_reason(ev.data)
  if not why then return end
  local m = ev.member
  local n = (m.attrs.ad_strikes or 0) + 1 -- the member remembers: a repeat offender stays one
  m:set("ad_strikes", n)
  tag.add(m, "发广告")
  local text = type(ev.data.text) == "string" and ev.data.text or (ev.data.url or why)
  if P.mode == "remove" or n >= P.remove_after then
    remove(m, ev.group, n, why, text)
  elseif P.mode == "redpacket" then
    ask_redpacket(m, ev.group, n)
  else
    warn(m, ev.group, n)
  end
end)

-- The operator removed them (or they left): the case is closed; their
-- strikes stay, so a re-invited offender is removed at the next ad.
on("member.left", function(ev)
  if ours[ev.group] and tag.remove(ev.member, "待移出") then
    tag.add(ev.member, "已移出")
  end
end)

-- A red packet the member posted (`redpacket.sent`, if the team's backend
-- reports members' red packets; a robot cannot see them otherwise) pays
-- the penalty.
on("redpacket.sent", function(ev)
  if ours[ev.group] and tag.remove(ev.member, "欠红包") then
    send(ev.group, { text = "谢谢 @{name} 的红包🧧，下不为例哦～", mention = { ev.member.id } },
         { name = name_of(ev.member) })
  end
end)

-- ---- the rules for new members, and again each week ----

on("member.joined", function(ev)
  if ours[ev.group] then tag.add(ev.member, "待看群规@" .. ev.group) end
end)

-- New members since the last welcome, in one message per group (a batch,
-- so a wave of joins does not flood the group); at most 20 mentions each.
schedule.every(P.welcome_at, "welcome", function()
  for _, g in ipairs(P.groups) do
    local t = "待看群规@" .. g
    if members.count { group = g, tag = t } > 0 then -- one query; the loop reads members
      local names, ids = {}, {}
      for m in members { group = g, tag = t } do
        if #ids == 20 then break end
        names[#names + 1], ids[#ids + 1] = "@" .. name_of(m), m.id
      end
      send(g, { text = P.welcome_text, mention = ids }, { names = table.concat(names, " "), rules = rules })
      for _, id in ipairs(ids) do tag.remove(id, t) end
    end
  end
end)

if P.rules_again ~= "never" then
  schedule.every(P.rules_again, "rules-again", function()
    for _, g in ipairs(P.groups) do send(g, "【群规重申】\n{rules}", { rules = rules }) end
  end)
end
