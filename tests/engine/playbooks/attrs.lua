playbook { name = "points", version = "1.0.0" }
-- m:set: points as a member attribute, kept across events; a raising
-- handler leaves its attribute unwritten; nil removes one.
on("checkin", function(ev)
  local m = ev.member
  m:set("points", (m.attrs.points or 0) + 10)
  if m:count("checkin") == 3 then m:set("badge", "连续签到") end
  log("%s has %d", m.id, m.attrs.points)
end)
on("refund", function(ev)
  ev.member:set("points", 0)
  error("refused") -- rolls the 0 back
end)
on("purchase", function(ev) ev.member:set("badge", nil) end)
on("bad", function(ev)
  local ok, e = pcall(ev.member.set, ev.member, "name", "x")
  log("%s", e)
  ok, e = pcall(ev.member.set, ev.member, "k", {})
  log("%s", e)
end)
