-- expect: :4: memory cap exceeded (64 MiB)
playbook { name = "trick", version = "1.0.0" }
local s = "x"
while true do s = s .. s end
