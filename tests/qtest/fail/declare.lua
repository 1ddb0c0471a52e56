-- declare.lua — a case cannot declare another.
test("outer", function()
  test("inner", function() end)
end)
test("not a function", function()
  test("x", 42)
end)
