-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
while true do pcall(function() while true do end end) end
