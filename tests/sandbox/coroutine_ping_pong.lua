-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
local co = coroutine.create(function() while true do coroutine.yield() end end)
while true do coroutine.resume(co) end
