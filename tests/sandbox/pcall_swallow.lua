-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
local ok, e = pcall(function() while true do end end)
error("caught: " .. tostring(e))
