-- group_rules.model.lua — the behaviour model of group_rules_test.lua's
-- second rehearsal (qun sim --model takes it too): the built-in model, with
-- the kinds of messages a real group sees from its spammers — a mini-program
-- card, a bare www link, a keyword without a link — and one that is not an
-- ad (a link to the brand's own shop); the weekly 群规重申 makes members
-- invite friends, so that there are new members to welcome.
return {
  ads = {
    "[小程序] 拼团砍一刀，帮我点一下",
    "www.cheap-deals.example 低价代购大牌",
    "需要的扫码进群，内部价",
    "这款面霜我买了 https://shop.example/p/102 真好用",
  },
  keywords = { invite = { "群规重申" } },
}
