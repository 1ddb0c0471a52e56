-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
local t = {}
while true do table.insert(t, 1, 0) end
