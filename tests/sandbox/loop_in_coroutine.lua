-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
local co = coroutine.wrap(function() while true do end end)
co()
