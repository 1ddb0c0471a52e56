playbook { name = "chatty", version = "1.0.0", params = { group = { type = "group", default = "sh-1" } } }
local P = params
schedule.every("every 30m", "nag", function(occ)
  send(P.group, "限时优惠!今天下单立减 👉 https://shop.example/sale?t={t}", { t = occ.due })
end)
on("purchase", function(ev) tag.add(ev.member, "buyer") end)
