-- expect: collectgarbage("collect"): only "count" is available in a playbook
playbook { name = "trick", version = "1.0.0" }
while true do collectgarbage() end
