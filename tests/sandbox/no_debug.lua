-- expect: attempt to index a nil value (global 'debug')
playbook { name = "trick", version = "1.0.0" }
debug.sethook()
