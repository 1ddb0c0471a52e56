-- team_pay.lua — docs/redpackets.md: payouts through a signed webhook to
-- the merchant's backend, and the page where members claim.
channels        = { pay = { type = "webhook", url = "https://shop.example/payout", secret = env("PAY_SECRET") } }
payout_channel  = "pay"
redpacket       = { claim_url = "https://shop.example/rp/{packet}" }
params          = { group = "sh-1" }
