-- expect: attempt to call a nil value (field 'remove')
playbook { name = "trick", version = "1.0.0" }
os.remove("/tmp/x")
