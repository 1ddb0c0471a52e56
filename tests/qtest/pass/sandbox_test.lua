-- sandbox_test.lua — what a test may touch of the host's objects.
local r = sim.run("flash_sale.lua", { start = "2026-11-23 00:00", days = 7 })

test("the result's metatable is out of reach", function()
  expect(getmetatable(r)):to_be(false)
  expect(function() r.sends{} end):to_fail_with("use r:sends(...), with a colon")
end)

test("a list's metatable is a description, not the real one", function()
  local sends = r:sends{}
  expect(getmetatable(sends)):to_equal({ qun_kind = "send" })
  getmetatable(sends).__index = function() return "x" end -- changes nothing
  expect(sends.foo):to_be(nil)
  expect(getmetatable(r:sends{})):to_equal({ qun_kind = "send" })
  expect(getmetatable(r:lines{ ev = "deferred" })):to_equal({ qun_kind = "deferred line" })
end)

test("strings keep their methods after queries", function()
  r:lines{ ev = "tag" }
  r:events{}
  expect(("abc"):upper()):to_be("ABC")
  expect(getmetatable("")):to_be(false)
end)

test("the clock is fixed", function()
  expect(os.date("%Y-%m-%d %H:%M", os.time())):to_be("2026-01-05 00:00")
end)

test("bad filters say what is wrong", function()
  expect(function() r:sends{ contain = "x" } end):to_fail_with(
    "r:sends{...}: no filter 'contain' (did you mean 'contains'? filters: to, between, contains, channel, job)")
  expect(function() r:sends{ to = "sh-1" } end):to_fail_with(
    'r:sends{ to = "sh-1" }: say "group:sh-1" or "member:sh-1" ("group:" is every group)')
  expect(function() r:sends{ between = { "tomorrow" } } end):to_fail_with(
    'cannot read tomorrow as a time')
  expect(function() r:sends{ between = { "2026-11-26 00:00", "2026-11-25 00:00" } } end):to_fail_with(
    "from must come before to")
  expect(function() r:events{ type = 3 } end):to_fail_with("r:events{ type = ... }: a string, not a number")
  expect(function() r:sends("x") end):to_fail_with("the filter is a table")
  expect(function() r:time({}) end):to_fail_with("not a time")
  expect(#r:lines{ late_ms = 0, ev = "send" }):to_be(#r:sends{})
end)

test("bad options say what is wrong", function()
  expect(function() sim.run("flash_sale.lua", { days = 0 }) end):to_fail_with(
    "sim.run: days is a number above 0 and at most 366, not 0")
  expect(function() sim.run("flash_sale.lua", { audience = 0 }) end):to_fail_with("sim.run: audience is")
  expect(function() sim.run("flash_sale.lua", { start = "someday" }) end):to_fail_with(
    'sim.run: start: cannot read "someday" as a time')
  expect(function() sim.run("flash_sale.lua", { set = { start = "never" } }) end):to_fail_with(
    "start")
  expect(function() sim.run("flash_sale.lua", { set = { nosuch = 1 } }) end):to_fail_with("nosuch")
  expect(function() sim.run(42) end):to_fail_with("sim.run(file, opts): file is the playbook's path")
end)

test("set takes strings, numbers, booleans and lists", function()
  local s = sim.run("flash_sale.lua", { start = "2026-11-23 00:00", set = { group = "sh-9", url = "https://x.example/" } })
  expect(s:sends{ to = "group:sh-9" }):to_have_length(6)
  expect(s:sends{ job = "open" }[1].msg.link.url):to_be("https://x.example/")
  local said = function(set) return sim.run("params.lua", { days = 0.01, set = set }):sends{}[1].msg.text end
  expect(said()):to_be("1 false 0.5 a")
  expect(said({ n = 3, on = true, ratio = 0.25, topics = { "x", "y" } })):to_be("3 true 0.25 x|y")
  expect(said({ n = "4", on = "false", topics = {} })):to_be("4 false 0.5 ")
  expect(function() said({ topics = { "a,b" } }) end):to_fail_with("set.topics: a list item cannot contain a comma")
  expect(function() said({ topics = { {} } }) end):to_fail_with("set.topics is a string, a number, a boolean or a list")
  expect(function() said({ [1] = "x" }) end):to_fail_with("sim.run: set is { name = value }: a number key")
end)
