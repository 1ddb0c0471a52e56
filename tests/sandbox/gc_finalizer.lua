-- expect: setmetatable: __gc is not allowed in a playbook
playbook { name = "trick", version = "1.0.0" }
setmetatable({}, { __gc = function() while true do end end })
