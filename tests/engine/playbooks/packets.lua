playbook { name = "packets", version = "1.0.0" }
local p = redpacket.new { total = "10.00", count = 5, split = "lucky", expires = "2h", group = "g1",
                          note = "恭喜发财" }
local q = redpacket.new { total = 300, count = 3, split = "even", expires = "30m" }
send("g1", p)
log("p %s %d %d %s %s %s", p == redpacket.get(p.id) and "same" or "other", p.total, p.count, p.split,
    p.group, p.note)
on("redpacket.claimed", function(ev)
  log("claimed %s %s %d #%d %s", ev.member.id, ev.data.packet == p.id and "p" or "q", ev.data.fen,
      ev.data.seq, ev.data.amount)
end)
schedule.at("2026-11-23 09:10", "lua-claim", function()
  local fen = q:claim("m9")
  local again, why = q:claim(member("m9"))
  local left, shares = q:left()
  log("m9: %d, again: %s %s, left %d in %d", fen, tostring(again), why, left, shares)
end)
schedule.at("2026-11-23 09:20", "rolled-back", function()
  q:claim("m8")
  error("changed my mind")
end)
