-- expect: attempt to index a nil value (global 'io')
playbook { name = "trick", version = "1.0.0" }
io.open("/etc/passwd")
