-- expect: module 'nosuch' not found: looked for tests/sandbox/nosuch.lua
playbook { name = "trick", version = "1.0.0" }
require "nosuch"
