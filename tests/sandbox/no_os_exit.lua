-- expect: attempt to call a nil value (field 'exit')
playbook { name = "trick", version = "1.0.0" }
os.exit(0)
