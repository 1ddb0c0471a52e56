-- expect: :4: memory cap exceeded (64 MiB)
playbook { name = "trick", version = "1.0.0" }
local t = {}
for i = 1, 1e9 do t[i] = {i, i, i} end
