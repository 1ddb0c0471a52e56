-- qun.model — the dry-run's built-in behaviour model: who the simulated
-- members are and how they react. `qun sim --model FILE.lua` takes a file
-- of the same shape (any field left out keeps the value below).
--
-- Each member gets a persona (by share). When a message reaches a member
-- (a group message reaches every member of the group), the member reads it
-- with probability `read` (lower when tired, see fatigue), after a delay
-- drawn around read_delay.median, within active hours. Reading may lead to:
--   claim     a red packet in the message  → redpacket.claim (claim_delay)
--   click     a link in the message        → link.click
--   pay_click after a click, on a sale     → pay.click
--   buy       after pay_click              → purchase (amount from basket)
--   checkin   text with a checkin keyword  → checkin
--   lesson    text with a lesson keyword   → lesson.done
--   homework  text with a homework keyword → homework
--   ask       any message                  → consult (a question)
--   invite    text with an invite keyword  → member.joined: a friend joins the
--             group (data.inviter), a new member of the audience
-- Each day a member may also post ads (ads_per_day) and ask spontaneously
-- (asks_per_day). Over-messaged members leave (fatigue.leave_over, .leave).
return {
  personas = {
    { name = "vip",     share = 0.10, read = 0.95, click = 0.60, pay_click = 0.50, buy = 0.70,
      claim = 0.95, checkin = 0.80, lesson = 0.80, homework = 0.70, ask = 0.04, invite = 0.20,
      ads_per_day = 0,    asks_per_day = 0.10 },
    { name = "active",  share = 0.30, read = 0.85, click = 0.35, pay_click = 0.25, buy = 0.45,
      claim = 0.85, checkin = 0.55, lesson = 0.60, homework = 0.45, ask = 0.02, invite = 0.10,
      ads_per_day = 0,    asks_per_day = 0.05 },
    { name = "casual",  share = 0.43, read = 0.55, click = 0.12, pay_click = 0.10, buy = 0.30,
      claim = 0.60, checkin = 0.20, lesson = 0.25, homework = 0.15, ask = 0.01, invite = 0.03,
      ads_per_day = 0,    asks_per_day = 0.02 },
    { name = "silent",  share = 0.15, read = 0.15, click = 0.03, pay_click = 0.05, buy = 0.20,
      claim = 0.30, checkin = 0.02, lesson = 0.05, homework = 0.02, ask = 0.00, invite = 0.00,
      ads_per_day = 0,    asks_per_day = 0 },
    { name = "spammer", share = 0.02, read = 0.30, click = 0.05, pay_click = 0.00, buy = 0.00,
      claim = 0.90, checkin = 0.00, lesson = 0.00, homework = 0.00, ask = 0.00, invite = 0.00,
      ads_per_day = 0.60, asks_per_day = 0 },
  },
  active_hours = "07:30-23:30",
  read_delay   = { median = "6m",  max = "6h" },
  claim_delay  = { median = "40s", max = "30m" },
  act_delay    = { median = "2m",  max = "1h" },
  fatigue = {
    comfortable = 4,    -- messages a day a member takes without tiring
    decay       = 0.20, -- each message past that multiplies engagement by 1 - decay
    leave_over  = 8,    -- past this many in a day ...
    leave       = 0.06, -- ... each further message makes the member leave with this probability
  },
  keywords = {
    checkin  = { "签到", "打卡", "check in", "check-in" },
    lesson   = { "直播", "课程", "上课", "开课", "lesson", "live class" },
    homework = { "作业", "homework" },
    sale     = { "抢购", "下单", "秒杀", "限时", "优惠", "特价", "购买", "buy", "sale", "order" },
    invite   = { "邀请", "拉新", "好友", "拉人", "invite", "friend" },
  },
  basket    = { min = "29.00", max = "399.00" },
  ads       = { "加我微信领优惠券 https://spam.example/coupon", "兼职日结 私聊我 http://ad.example/job" },
  questions = { "请问怎么报名?", "这个还有货吗?", "优惠到什么时候截止?", "课程适合零基础吗?" },
}
