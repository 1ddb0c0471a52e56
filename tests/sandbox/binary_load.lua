-- expect: attempt to load a binary chunk
playbook { name = "trick", version = "1.0.0" }
local f, e = load("\27Lua\84\0\25\147\13\10\26\10\4\8\8\120\86")
error(e, 0)
