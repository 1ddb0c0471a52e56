-- group_rules.team.lua — an example team config for playbooks/group_rules.lua:
-- eight store groups, each with its own WeCom robot, and the operators' own
-- group (运营值班群) whose robot receives removal requests. Keys come from the
-- environment: export WECOM_KEY_SH1=... (to WECOM_KEY_SH8) WECOM_KEY_OPS=...
-- The operators' group is internal: a dry-run puts no simulated members in it.
timezone    = "Asia/Shanghai"
quiet_hours = "22:00-08:00"
caps        = { member_per_day = 3 }
grace       = "10m"
channels = { ops = { type = "wecom", key = env("WECOM_KEY_OPS") } }
groups   = { ops = { name = "运营值班群", channel = "ops", internal = true } }
local stores = { "徐汇", "静安", "浦东", "长宁", "普陀", "杨浦", "闵行", "宝山" }
local ids = {}
for i, store in ipairs(stores) do
  channels["wx" .. i] = { type = "wecom", key = env("WECOM_KEY_SH" .. i) }
  groups["sh-" .. i]  = { name = "上海" .. store .. "店福利群", channel = "wx" .. i }
  ids[i] = "sh-" .. i
end
params = {
  groups       = ids,
  mode         = "redpacket",   -- warn | redpacket | remove
  remove_after = 3,
  ops_group    = "ops",
  allow_links  = { "shop.example" },
}
