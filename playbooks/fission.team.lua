-- fission.team.lua — an example team config for playbooks/fission.lua:
-- eight store groups of about 250 members, each with its own WeCom robot;
-- red packets claimed on the shop's page and paid out by its backend
-- (a signed webhook); one-to-one messages (a friend's red packet, if
-- friend_packet is set) through the same backend. Secrets come from the
-- environment: export WECOM_KEY_SH1=... (to WECOM_KEY_SH8) HOOK_SECRET=...
-- PAY_SECRET=...
timezone    = "Asia/Shanghai"
quiet_hours = "22:00-08:00"
caps        = { member_per_day = 3 }
grace       = "10m"
redpacket   = { max_total = "200.00", max_count = 100,
                claim_url = "https://shop.example/rp/{packet}" }
channels = {
  hook = { type = "webhook", url = "https://shop.example/qun/members", secret = env("HOOK_SECRET") },
  pay  = { type = "webhook", url = "https://shop.example/qun/payout", secret = env("PAY_SECRET") },
}
groups = {}
local stores = { "徐汇", "静安", "浦东", "长宁", "普陀", "杨浦", "闵行", "宝山" }
local ids = {}
for i, store in ipairs(stores) do
  channels["wx" .. i] = { type = "wecom", key = env("WECOM_KEY_SH" .. i) }
  groups["sh-" .. i]  = { name = "上海" .. store .. "店福利群", channel = "wx" .. i }
  ids[i] = "sh-" .. i
end
members_channel = "hook"
payout_channel  = "pay"
params = {
  groups          = ids,
  start           = "2026-11-23 19:30",  -- a date: says which week at a glance
  days            = 7,
  invite_url      = "https://shop.example/join",
  points          = 20,
  milestones      = { 300, 400, 500 },
  milestone_total = "50.00",
  milestone_count = 30,
}
