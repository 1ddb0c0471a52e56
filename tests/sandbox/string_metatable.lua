-- expect: attempt to index a boolean value
playbook { name = "trick", version = "1.0.0" }
getmetatable("").__index = { upper = function() return "pwned" end }
