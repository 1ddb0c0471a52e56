-- expect: require cycle: lib.cycle_a -> lib.cycle_b -> lib.cycle_a
playbook { name = "trick", version = "1.0.0" }
require "lib.cycle_a"
