-- load_error.lua — the playbook it rehearses does not load: sim.run raises
-- at the top of the file, and the file is one failure.
local r = sim.run("broken_playbook.lua")
test("never runs", function()
  expect(r):to_be_truthy()
end)
