local M = {}
leaked = true -- a module global stays in the module
function M.twice(x) return 2 * x end
return M
