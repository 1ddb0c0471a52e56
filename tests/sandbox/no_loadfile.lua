-- expect: attempt to call a nil value (global 'loadfile')
playbook { name = "trick", version = "1.0.0" }
loadfile("/etc/passwd")
