-- fission.lua — 裂变:老带新 (seed 002, "简单的了就说就是老带新"). Seed 002's plain
-- ways that work with seed users:
--   · "基于已有的微信群，可以先在群内发红包或优惠券，让大家帮忙转发海报": the kickoff
--     posts a red packet, the invitation and the poster;
--   · "私发好友，请他们帮你转发海报…积攒得到礼品，或者发一个小红包": each friend a
--     member brings in earns the inviter points (and, if set, a small red
--     packet); the inviters are thanked in the group;
--   · "当群员有一定数量的时候，可以告诉大家如果裂变到了整数，比如300人，会继续发红包":
--     milestones — when a group reaches one, a red packet for everyone,
--     once per milestone and group, whatever restarts;
--   · "群内提醒和裂变数据就是触发机制": a daily reminder with the group's count,
--     the next milestone and the inviters' leaderboard.
-- New members arrive as `member.joined` events with the group and, when
-- someone brought them, data.inviter (WeCom's 客户群 join callback: the
-- inviter of a member who joined by invitation).
playbook {
  name    = "fission",
  version = "1.0.0",
  title   = "老带新裂变：邀请奖励与人数里程碑红包",
  summary = "Old members bring new ones: a kickoff with a red packet and the invitation, points "
         .. "for every friend brought in, thanks in the group, a daily reminder with the count and "
         .. "the leaderboard, and a red packet for everyone at each milestone (300 members, ...).",
  params  = {
    groups = { type = "list", of = "group", doc = "the groups that grow (ids of the team config)" },
    start  = { type = "time", default = "mon 19:30",
               doc = "the kickoff; the daily reminders follow at the same time" },
    days   = { type = "integer", default = 7,
               doc = "how long the campaign runs, kickoff day included: reminders daily, the close on the last day" },
    invite_url = { type = "string", default = "https://shop.example/join",
                   doc = "the invitation page (the group's 活码 / QR code)" },
    poster = { type = "string", required = false,
               doc = "the poster to forward (an image URL or a file next to the playbook); none: no poster" },
    kickoff_total = { type = "money", default = "30.00",
                      doc = "the kickoff red packet per group (0: none)" },
    kickoff_count = { type = "integer", default = 20, doc = "shares of the kickoff red packet" },

    points = { type = "integer", default = 20, doc = "points to the inviter for each friend who joins" },
    friend_packet = { type = "money", default = "0.00",
                      doc = "a small red packet to the inviter for each friend (0: points only); it goes "
                         .. "one to one, so the members' daily cap applies" },
    star = { type = "integer", default = 5, doc = "friends brought in that make an inviter 邀请达人" },
    thanks_at = { type = "string", default = "0 9-21 * * *",
                  doc = "when new members are welcomed and their inviters thanked, one message per group (a schedule spec)" },

    milestones = { type = "list", of = "integer", default = { 300, 400, 500 },
                   doc = "group sizes that earn everyone a red packet (only those above the size at the kickoff)" },
    milestone_total = { type = "money", default = "50.00", doc = "the milestone red packet" },
    milestone_count = { type = "integer", default = 30, doc = "shares of the milestone red packet" },

    invite_text = { type = "string",
                    default = "🎁 老带新有礼！邀请好友入群，每邀请 1 位送你 {points} 积分；"
                           .. "群满 {next} 人再发 {total} 元红包 🧧 邀请链接 👉 {url}",
                    doc = "the invitation: {points}, {next}, {total} and {url} fill in" },
  },
}

local P = params

local ours = {}
for _, g in ipairs(P.groups) do ours[g] = true end
local stop = P.start + P.days * DAY -- joins in [start, stop) are the campaign's
local milestones = {}
for i, n in ipairs(P.milestones) do milestones[i] = n end
table.sort(milestones)
if #milestones == 0 then error("param 'milestones': at least one group size") end
if P.days < 2 then error("param 'days': at least 2 (the kickoff, then the close)") end

local function yuan(fen) return redpacket.yuan(fen) end
local function name_of(m) return m.name or m.id end

-- ---- the group's count, and who joined during the campaign ----

local function count(g, t) return members.count { group = g, tag = t } end

local function next_milestone(size)
  for _, n in ipairs(milestones) do
    if n > size then return n end
  end
  return nil
end

-- The top inviters of a group: "@王芳 5 位、@李强 3 位".
local function leaderboard(g, k)
  local top = {}
  for m in members { group = g, tag = "邀请过好友" } do
    top[#top + 1] = { m = m, n = m.attrs.invites or 0 }
  end
  table.sort(top, function(a, b) return a.n > b.n or (a.n == b.n and a.m.id < b.m.id) end)
  local out = {}
  for i = 1, math.min(k, #top) do out[i] = ("@%s %d 位"):format(name_of(top[i].m), top[i].n) end
  return #out > 0 and table.concat(out, "、") or "虚位以待"
end

-- ---- the kickoff: a red packet, the invitation, the poster ----

local function invitation(g)
  local size = count(g)
  if not next_milestone(size) then
    log("%s has %d members, past every milestone (%s): no milestone red packet will come",
        g, size, table.concat(milestones, ", "))
  end
  send(g, P.invite_text, { points = P.points, next = next_milestone(size) or size,
                           total = yuan(P.milestone_total), url = P.invite_url })
end

schedule.at(P.start, "kickoff", function()
  for _, g in ipairs(P.groups) do
    if P.kickoff_total > 0 then
      local p = redpacket.new { total = P.kickoff_total, count = P.kickoff_count, split = "lucky",
                                expires = "24h", group = g, note = "老带新活动开始啦，先抢个红包 🧧" }
      send(g, p)
    end
    invitation(g)
    if P.poster then send(g, { image = P.poster }) end
  end
end)

-- ---- the daily reminder with the count and the leaderboard; the close ----

for d = 1, P.days - 2 do
  schedule.at(P.start + d * DAY, "reminder-" .. d, function()
    for _, g in ipairs(P.groups) do
      local size = count(g)
      local nxt = next_milestone(size)
      local goal = nxt and ("再邀请 " .. (nxt - size) .. " 位好友就满 " .. nxt .. " 人，发 "
                            .. yuan(P.milestone_total) .. " 元红包 🧧") or "所有人数目标都达成啦"
      send(g, "📣 老带新第 {day} 天：群里已有 {size} 人，{goal}！邀请榜：{top}。"
              .. "每邀请 1 位好友送 {points} 积分，邀请链接 👉 {url}",
           { day = d + 1, size = size, goal = goal, top = leaderboard(g, 3), points = P.points,
             url = P.invite_url })
    end
  end)
end

schedule.at(P.start + (P.days - 1) * DAY, "close", function()
  for _, g in ipairs(P.groups) do
    send(g, "🎉 老带新活动今天结束：这 {days} 天有 {fresh} 位新朋友入群，群里现在 {size} 人。"
            .. "带新榜：{top}。积分已到账，谢谢大家！",
         { days = P.days, fresh = count(g, "新人@" .. g), size = count(g), top = leaderboard(g, 3) })
  end
end)

-- ---- a new member: reward the inviter, check the milestones ----

local function milestone_done(g, n)
  return members.count { tag = "里程碑@" .. g .. "#" .. n } > 0
end

on("member.joined", function(ev)
  local g, m = ev.group, ev.member
  if not ours[g] or ev.at < P.start or ev.at >= stop then return end
  tag.add(m, "新人@" .. g)    -- joined during the campaign (the baseline below)
  tag.add(m, "待欢迎@" .. g)  -- for the next welcome

  -- The inviter: a member we know, not the newcomer, and only for a first
  -- join (someone who leaves and comes back is not a new friend).
  local inviter = type(ev.data) == "table" and ev.data.inviter
  local inv = type(inviter) == "string" and inviter ~= m.id and member(inviter)
  if inv and m:count("member.joined") == 1 then
    local n = (inv.attrs.invites or 0) + 1
    inv:set("invites", n)
    inv:set("points", (inv.attrs.points or 0) + P.points)
    tag.add(inv, "邀请过好友")
    tag.add(inv, "待感谢@" .. g)
    if n == P.star then tag.add(inv, "邀请达人") end
    if P.friend_packet > 0 then
      local p = redpacket.new { total = P.friend_packet, count = 1, expires = "24h", group = g,
                                note = "谢谢你邀请 " .. name_of(m) .. " 入群" }
      send(inv, p)
    end
  end

  -- Milestones: the group now has `size`; before the campaign it had
  -- `size - fresh`. A milestone above that and reached now is paid, once:
  -- the member who reached it carries the mark, kept in the store.
  local size, fresh = count(g), count(g, "新人@" .. g)
  for _, n in ipairs(milestones) do
    if size - fresh < n and size >= n and not milestone_done(g, n) then
      tag.add(m, "里程碑@" .. g .. "#" .. n)
      local p = redpacket.new { total = P.milestone_total, count = P.milestone_count, split = "lucky",
                                expires = "24h", group = g, note = "群满 " .. n .. " 人啦！" }
      send(g, { text = "🎉 群里满 {n} 人啦！欢迎第 {n} 位群友 @{name}。按约定发 {total} 元红包，谢谢大家 🧧",
                mention = { m.id } }, { n = n, name = name_of(m), total = yuan(P.milestone_total) })
      send(g, p)
    end
  end
end)

-- ---- welcome and thanks, one message per group ----

local function take(g, t, k)
  local names, ids = {}, {}
  if count(g, t) == 0 then return names, ids end -- one query; the loop reads members
  for m in members { group = g, tag = t } do
    if #ids == k then break end
    names[#names + 1], ids[#ids + 1] = "@" .. name_of(m), m.id
  end
  for _, id in ipairs(ids) do tag.remove(id, t) end
  return names, ids
end

schedule.every(P.thanks_at, "thanks", function()
  for _, g in ipairs(P.groups) do
    local fresh, fresh_ids = take(g, "待欢迎@" .. g, 20)
    local thanked, thanked_ids = take(g, "待感谢@" .. g, 20)
    local text = {}
    if #fresh > 0 then text[#text + 1] = "🌸 欢迎 {fresh} 加入我们！" end
    if #thanked > 0 then text[#text + 1] = "谢谢 {thanked} 带来新朋友，积分已到账 🎁" end
    if #text > 0 then
      local mention = table.move(thanked_ids, 1, #thanked_ids, #fresh_ids + 1, fresh_ids)
      send(g, { text = table.concat(text), mention = mention },
           { fresh = table.concat(fresh, " "), thanked = table.concat(thanked, " ") })
    end
  end
end)
