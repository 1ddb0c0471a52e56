-- weekend_flash_sale.team.lua — an example team config for the weekend
-- flash sale: eight community groups of a store chain (about 250 members
-- each) and the temporary sale group, each with its own WeCom robot (one
-- robot is one group), personal messages and red-packet payouts through
-- the shop's signed webhooks.
--
-- Secrets come from the environment: `qun run` refuses to start until
-- each is exported; a rehearsal (`qun check`, `qun sim`, `qun test`) needs
-- none, it stands in for them and sends nothing.
timezone    = "Asia/Shanghai"
-- The sale closes at 22:00; quiet hours start after its last message.
quiet_hours = "22:30-08:00"
caps        = { member_per_day = 3 }
grace       = "10m"
redpacket   = { max_total = "200.00", max_count = 100,
                claim_url = "https://shop.example/rp/{packet}" }

channels = {
  -- personal messages (invitations, the VIP notice, "开抢了") go to the
  -- shop's backend, which writes to each member from the store's account
  hook = { type = "webhook", url = "https://shop.example/qun/messages",
           secret = env("HOOK_SECRET") },
  -- red-packet payouts (docs/redpackets.md)
  pay  = { type = "webhook", url = "https://shop.example/qun/payout",
           secret = env("PAY_SECRET") },
  ["wx-sale"] = { type = "wecom", key = env("WECOM_KEY_SALE") },
}
groups = {
  -- the temporary sale group, made for this sale (seed 002: 临时抢购群)
  ["sale-1128"] = { name = "周六抢购群", channel = "wx-sale" },
}
local community = {}
for i = 1, 8 do
  local id = "sh-" .. i
  channels["wx-" .. i] = { type = "wecom", key = env("WECOM_KEY_" .. i) }
  groups[id] = { name = "上海" .. i .. "群", channel = "wx-" .. i }
  community[#community + 1] = id
end
members_channel = "hook"
payout_channel  = "pay"

params = {
  groups         = community,
  sale_group     = "sale-1128",
  sale_group_url = "https://shop.example/join/sale-1128",
  start          = "sat 20:00",
}
