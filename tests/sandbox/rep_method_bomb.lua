-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
local s = ("x"):rep(1e9, ",")
