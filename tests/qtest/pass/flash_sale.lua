-- flash_sale.lua — the fixture playbook of the qun test tests: a weekend
-- flash sale in miniature (seed 002): a notice a day for three days, a
-- late reminder (quiet hours defer it), the red-packet rain notice an hour
-- before, the sale as a link card, and a thank-you to each buyer.
playbook {
  name    = "mini-flash-sale",
  version = "1.0.0",
  title   = "周末限时抢购(测试用)",
  params  = {
    group = { type = "group",  default = "sh-1", doc = "the sale group" },
    start = { type = "time",   default = "sat 20:00" },
    url   = { type = "string", default = "https://shop.example/sale" },
  },
}
local P = params

for d = 3, 1, -1 do
  schedule.at(P.start - d * DAY, "notice-" .. d, function()
    send(P.group, "周六晚8点开抢,还有 {d} 天!", { d = d })
  end)
end
schedule.at(P.start - 21 * HOUR, "late", function()
  send(P.group, "明晚就开抢,早点休息")
end)
schedule.at(P.start - HOUR, "rain", function()
  send(P.group, { markdown = "**红包雨** 一小时后开始 👉 [会场]({url})" }, { url = P.url })
end)
schedule.at(P.start, "open", function()
  send(P.group, { link = { title = "限时抢购开始", description = "只有两小时", url = P.url } })
end)
on("purchase", function(ev)
  tag.add(ev.member, "buyer")
  send(ev.member, "{name},谢谢惠顾!")
end)
