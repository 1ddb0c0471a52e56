-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
local t = {}
for i = 1, 2e6 do t[i] = 2e6 - i end
table.sort(t, function(a, b) for _ = 1, 10 do end return a < b end)
