-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
local chunk = string.rep("x=1 ", 25e4) -- 1 MB: each load is charged by size
while true do load(chunk) end
