-- twice.lua — two cases with one name: the file does not load.
test("same", function() end)
test("same", function() end)
