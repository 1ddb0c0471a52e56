-- expect: require "/etc/passwd": a module name is letters, digits and _ with dots
playbook { name = "trick", version = "1.0.0" }
require "/etc/passwd"
