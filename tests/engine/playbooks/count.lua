playbook { name = "count", version = "1.0.0" }
-- members.count{}: the store counts, with the filters of members{}; a
-- group's count follows member.joined and member.left.
tier.define { { "A", function(m) return m:count("link.click") >= 1 end } }
local function report(what)
  log("%s: all %d, g1 %d, g2 %d, vip %d, g1 vip %d, A %d, g1 A %d", what,
      members.count(), members.count{ group = "g1" }, members.count{ group = "g2" },
      members.count{ tag = "vip" }, members.count{ group = "g1", tag = "vip" },
      members.count{ tier = "A" }, members.count{ group = "g1", tier = "A" })
end
on("link.click", function(ev) tag.add(ev.member, "vip") end)
on("member.joined", function() report("joined") end)
on("member.left", function() report("left") end)
on("bad", function()
  log("%s", select(2, pcall(members.count, { where = function() return true end })))
  log("%s", select(2, pcall(members.count, { grup = "g1" })))
  local n = 0
  for _ in members { group = "g1" } do n = n + 1 end
  log("iterated g1: %d", n)
end)
