playbook { name = "lists", version = "1.0.0" }
tier.define {
  { "S",  function(m) return m.attrs.t == "S" end },
  { "A+", function(m) return m.attrs.t == "A+" end },
  { "A",  function(m) return m.attrs.t == "A" end },
}
schedule.at("2026-11-23 10:00", "go", function()
  send({ group = { "sh-1", "sh-2" }, tier = { "S", "A+" } }, "hi {name}")
  local n, vip = 0, 0
  for m in members { tag = { "VIP", "新人" } } do n = n + 1 end
  for m in tag.members("VIP") do vip = vip + 1 end
  log("tagged %d, VIP %d, in both groups %d, sh-1 VIP or 新人 %d", n, vip,
      members.count{ group = { "sh-1", "sh-2" } }, members.count{ group = "sh-1", tag = { "VIP", "新人" } })
end)
