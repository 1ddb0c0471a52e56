-- weekend_flash_sale.lua — the playbook of docs/testing.md: a weekend flash
-- sale (seed 002). A notice a day for three days, a reminder the morning of
-- the day, the red-packet rain notice an hour before, the sale as a link
-- card, a last call, and a thank-you to every buyer.
playbook {
  name    = "weekend-flash-sale",
  version = "1.0.0",
  title   = "周末限时抢购",
  params  = {
    group  = { type = "group",    doc = "the sale group" },
    start  = { type = "time",     default = "sat 20:00" },
    length = { type = "duration", default = "2h" },
    url    = { type = "string",   default = "https://shop.example/sale" },
  },
}
local P = params

for d = 3, 1, -1 do -- one notice a day for three days
  schedule.at(P.start - d * DAY, "notice-" .. d, function()
    send(P.group, "周六晚8点开抢,还有 {d} 天!", { d = d })
  end)
end
schedule.at(P.start - 11 * HOUR, "morning", function()
  send(P.group, "今晚8点开抢,记得定好闹钟 ⏰")
end)
schedule.at(P.start - HOUR, "rain", function()
  send(P.group, { markdown = "**红包雨** 一小时后开始 👉 [会场]({url})" }, { url = P.url })
end)
schedule.at(P.start, "open", function()
  send(P.group, { link = { title = "限时抢购开始", description = "只有两小时", url = P.url } })
end)
schedule.at(P.start + P.length - 30 * MINUTE, "last-call", function()
  send(P.group, "最后 30 分钟,抓紧下单!")
end)

on("purchase", function(ev)
  tag.add(ev.member, "buyer")
  send(ev.member, "{name},谢谢惠顾!")
end)
