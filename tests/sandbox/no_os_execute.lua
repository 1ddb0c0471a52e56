-- expect: attempt to call a nil value (field 'execute')
playbook { name = "trick", version = "1.0.0" }
os.execute("id")
