-- expect: attempt to call a nil value (field 'getenv')
playbook { name = "trick", version = "1.0.0" }
local k = os.getenv("HOME")
