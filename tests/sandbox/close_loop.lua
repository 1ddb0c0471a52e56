-- expect: instruction budget exceeded
playbook { name = "trick", version = "1.0.0" }
do
  local x <close> = setmetatable({}, { __close = function() while true do end end })
end
