-- expect: pattern 'a*a*a*a*a*b' on a 100000-byte string could take up to
playbook { name = "trick", version = "1.0.0" }
local s = string.rep("a", 1e5)
local i = s:find("a*a*a*a*a*b")
