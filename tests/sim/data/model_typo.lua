return { persona = {} }
