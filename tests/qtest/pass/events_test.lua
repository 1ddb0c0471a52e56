-- events_test.lua — sim.run{ events = FILE.jsonl }: events a backend would
-- send (a purchase, a profile answer) happen at their "at" beside the
-- simulated audience, through the same handlers.
local opts = { config = "team.lua", start = "2026-11-23 00:00", days = 7, audience = 20, events = "events.jsonl" }
local r = sim.run("flash_sale.lua", opts)

test("an event happens at its time, through the handlers", function()
  local bought = r:events{ type = "purchase", member = "m0001" }
  expect(bought):to_have_length(1) -- the same line twice is one event
  expect(bought[1].t):to_be("2026-11-24T10:00:00+08:00")
  expect(bought[1].data):to_equal({ order = "o-1" })
  expect(bought[1].group):to_be("sh-1")
  local thanks = r:sends{ to = "member:m0001", contains = "谢谢惠顾" }
  expect(thanks):to_have_length(1)
  expect(thanks[1].at):to_be(r:time("2026-11-24 10:00"))
  expect(r:lines{ ev = "tag", member = "m0001", tag = "buyer" }):to_have_length(1)
  expect(r:events{ type = "checkin", member = "m0004" }[1].t):to_be("2026-11-24T09:30:00+08:00")
end)

test("without at, or before the start: at the start; after the end: never", function()
  local p = r:events{ type = "profile" }
  expect(p):to_have_length(1)
  expect(p[1].t):to_be("2026-11-23T00:00:00+08:00")
  expect(p[1].data.job):to_be("设计师")
  expect(r:events{ type = "purchase", member = "m0003" }[1].t):to_be("2026-11-23T00:00:00+08:00")
  expect(r:events{ member = "m0005" }):to_have_length(0)
end)

test("a bad line names the file and the line", function()
  expect(function() sim.run("flash_sale.lua", { config = "team.lua", events = "bad_events.jsonl" }) end)
    :to_fail_with('bad_events.jsonl:2: no "member" (the member\'s id)')
  expect(function() sim.run("flash_sale.lua", { events = "nosuch.jsonl" }) end):to_fail_with("nosuch.jsonl")
end)

test("the events file is part of the run", function()
  local plain = sim.run("flash_sale.lua", { config = "team.lua", start = "2026-11-23 00:00", days = 7, audience = 20 })
  expect(plain:events{ type = "profile" }):to_have_length(0)
end)
