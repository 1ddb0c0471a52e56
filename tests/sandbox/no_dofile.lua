-- expect: attempt to call a nil value (global 'dofile')
playbook { name = "trick", version = "1.0.0" }
dofile("/etc/passwd")
