return { personas = { { name = "x", share = 1.0, read = 1.5 } } }
