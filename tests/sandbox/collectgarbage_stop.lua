-- expect: collectgarbage("stop"): only "count" is available
playbook { name = "trick", version = "1.0.0" }
collectgarbage("stop")
