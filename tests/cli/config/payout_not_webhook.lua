channels = { ding = { type = "dingtalk", token = "t0k3n-abc" } }
payout_channel = "ding"
