-- expect: deep_recursion.lua:3: memory cap exceeded (64 MiB)
playbook { name = "trick", version = "1.0.0" }
local function f() return 1 + f() end
f()
