-- packet.lua — docs/redpackets.md: one red packet on Saturday evening, and a
-- thank-you to each member who claims a share.
playbook { name = "packet-demo", version = "1.0.0", params = { group = { type = "group" } } }
local P = params

schedule.at("sat 20:00", "packet", function()
  send(P.group, redpacket.new { total = "8.88", count = 5, group = P.group, note = "恭喜发财" })
end)

on("redpacket.claimed", function(ev)
  send(ev.member, "{name},你抢到了 {amount} 元", { amount = ev.data.amount })
end)
