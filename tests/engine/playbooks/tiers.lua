playbook { name = "camp", version = "1.0.0" }
-- Seed 003: the intent tiers of a training camp.
tier.define {
  { "S",  function(m) return m:count("consult") > 0 end },
  { "A+", function(m) return m:count("pay.click") > 0 and m:count("purchase") == 0 end },
  { "A",  function(m) return m:count("link.click") >= 3 end },
  { "B",  function(m) return m:count("lesson.done") >= 3 and m:count("homework") >= 3 end },
}
tier.on_change(function(m, from, to) log("%s: %s -> %s", m.id, tostring(from), tostring(to)) end)
on("link.click", function(ev) tag.add(ev.member, "clicked") end)
schedule.at("2026-11-23 12:00", "report", function()
  for m in members{ tier = "A" } do log("A: %s (%s)", m.id, m.name) end
  for m in members{ tag = "clicked", where = function(m) return m.tier ~= "A" end } do
    log("clicked, not A: %s %s", m.id, tostring(m.tier))
  end
end)
