-- lib/words.lua — docs/sharing.md: a module next to the playbook that
-- loads it with require "lib.words": the team's phrasing, in one place.
local M = {}

M.morning = { "早安!", "早上好!今天也要加油", "新的一天,元气满满!" }

function M.pick(list, day) -- one a day, in turn
  return list[day % #list + 1]
end

return M
