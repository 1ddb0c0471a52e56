-- expect: load: only text chunks can be loaded (mode "t"), not "b"
playbook { name = "trick", version = "1.0.0" }
load("return 1", "x", "b")
