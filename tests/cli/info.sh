# info.sh — `qun info` on the shipped example playbook (golden files).
. tests/lib.sh
expect_out tests/cli/golden/example.info.txt -- info playbooks/example.lua
expect_out tests/cli/golden/example.info.json -- info playbooks/example.lua --json
expect_out tests/cli/golden/sale.info.txt -- info tests/cli/fixtures/sale.lua
finish
