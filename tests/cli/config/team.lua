-- A full team config, as in the docs.
timezone    = "Asia/Shanghai"
quiet_hours = "22:00-08:00"
caps        = { member_per_day = 3 }
grace       = "10m"
listen      = { token = env("QUN_TEST_TOKEN") }
redpacket   = { max_total = "200.00", max_count = 100, claim_url = "https://shop.example/rp/{packet}" }
channels = {
  wx  = { type = "wecom", key = env("QUN_TEST_WECOM_KEY") },
  out = { type = "console" },
}
groups = {}
for i = 1, 600 do                        -- generated: 600 groups
  groups["sh-" .. i] = { name = "上海" .. i .. "群", channel = "wx" }
end
members_channel = "out"
params = { group = "sh-7", count = 5, words = { "a", "b" } }
