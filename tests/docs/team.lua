-- team.lua — the team config tests/docs/run.sh checks the docs' playbook
-- blocks with (docs/CONTRIBUTING-docs.md): every group a doc names, all on
-- the console; a signed webhook for payouts; a claim URL for red packets.
timezone = "Asia/Shanghai"
channels = {
  out = { type = "console" },
  pay = { type = "webhook", url = "http://127.0.0.1:9/payout", secret = "docs-test-secret" },
}
groups = {}
for _, id in ipairs { "sh-1", "sh-2", "sh-3", "bj-1", "sz-1", "demo-1", "camp-1", "sale-1", "ops", "tg-1" } do
  groups[id] = { name = id, channel = "out" }
end
members_channel = "out"
payout_channel  = "pay"
redpacket       = { claim_url = "https://shop.example/rp/{packet}" }
