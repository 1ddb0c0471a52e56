-- expect-ok
-- stdout: 8	nil	true
-- stdout: number	false	table
-- stdout: true	true	true
-- stdout: same sequence
playbook { name = "env-ok", version = "1.0.0" }
local h = require "lib.helper"
print(h.twice(4), leaked, require("lib.helper") == h)
print(math.type(os.time()) and "number", getmetatable(""), type(os.date("*t")))
print(os.date("%Y", 0) == "1970", os.clock() >= 0, collectgarbage("count") > 0)
local a = { math.random(1000), math.random(1000) }
math.randomseed()
local b = { math.random(1000), math.random(1000) }
print(a[1] == b[1] and a[2] == b[2] and "same sequence" or "different")
