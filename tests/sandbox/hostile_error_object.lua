-- expect: error with a table value instead of a message
playbook { name = "trick", version = "1.0.0" }
error(setmetatable({}, { __tostring = function() while true do end end }))
