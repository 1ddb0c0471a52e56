-- daily_sop.team.lua — an example team config for playbooks/daily_sop.lua:
-- eight store groups of a city (200–300 members each), each with its own
-- WeCom robot (one robot = one group), quiet hours at night. The robots'
-- keys come from the environment, never from a file:
--   export WECOM_KEY_SH1=... WECOM_KEY_SH2=... (up to WECOM_KEY_SH8)
timezone    = "Asia/Shanghai"
quiet_hours = "22:00-08:00"
caps        = { member_per_day = 3 }
grace       = "10m"
channels = {}
groups   = {}
local stores = { "徐汇", "静安", "浦东", "长宁", "普陀", "杨浦", "闵行", "宝山" }
local ids = {}
for i, store in ipairs(stores) do
  channels["wx" .. i] = { type = "wecom", key = env("WECOM_KEY_SH" .. i) }
  groups["sh-" .. i]  = { name = "上海" .. store .. "店福利群", channel = "wx" .. i }
  ids[i] = "sh-" .. i
end
params = {
  groups      = ids,
  checkin_url = "https://shop.example/checkin",
  points      = 10,
  picks_url   = "https://shop.example/weekly",
  discount    = "本周满199减30，会员下单再享95折，周日24点截止",
}
