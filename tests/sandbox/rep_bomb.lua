-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
local s = string.rep("x", 1e10)
