-- expect: C stack overflow
playbook { name = "trick", version = "1.0.0" }
local t = setmetatable({}, {})
getmetatable(t).__index = function(s, k) return s[k] end
local x = t.y
