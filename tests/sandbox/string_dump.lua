-- expect: attempt to call a nil value (field 'dump')
playbook { name = "trick", version = "1.0.0" }
local b = string.dump(function() end)
