-- whole_file_test.lua — no test() calls: the file is one case.
local r = sim.run("flash_sale.lua", { start = "2026-11-23 00:00", days = 3 })
expect(r:sends{ to = "group:sh-1" }):to_have_length(1) -- Wednesday's notice; Thu and Fri are past day 3
expect(tostring(r)):to_contain("sim result of ")
