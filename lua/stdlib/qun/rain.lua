-- qun.rain — a red-packet rain (红包雨): several packets over a window.
--
--   local rain = require "qun.rain"
--   rain.plan {
--     at      = P.start - HOUR,   -- the first packet (epoch seconds or "sat 19:00")
--     window  = "10m",            -- the packets are spread evenly over it
--     packets = 5,                -- how many packets
--     total   = "100.00",         -- the whole budget (yuan, or fen from a money param)
--     count   = 20,               -- shares per packet
--     group   = P.group,          -- where each packet is posted
--     note    = "红包雨来啦",       -- optional
--     split   = "lucky",          -- optional: "lucky" (default) or "even"
--     expires = "24h",            -- optional, per packet
--     name    = "rain",           -- optional: the schedules' names (rain-1, rain-2, ...)
--   }
--
-- Packet i (1-based) is created and posted at at + (i - 1) * window / packets,
-- by a named schedule, so a restart neither repeats nor loses one. The
-- budget is split exactly in fen: total // packets each, and the first
-- total % packets packets one fen more, so the packets add up to the total.
-- Every packet is checked when the plan is made (money, shares, the team's
-- limits): a plan that cannot be paid fails at load, naming the plan's line.
-- Returns the plan: a list of { name =, at =, total = (fen) }.

local rain = {}

local fields = { at = true, window = true, packets = true, total = true, count = true,
                 group = true, note = true, split = true, expires = true, name = true }

-- Calls f(...) and raises its error at the caller of rain.plan, without
-- this file's position: errors name the playbook's line.
local function at_caller(f, ...)
  local r = table.pack(pcall(f, ...))
  if not r[1] then
    error(tostring(r[2]):gsub("^[^\n]-:%d+: ", ""), 3)
  end
  return table.unpack(r, 2, r.n)
end

function rain.plan(o)
  if type(o) ~= "table" then
    error("rain.plan takes a table: rain.plan{ at =, window =, packets =, total =, count =, group = }", 2)
  end
  for k in pairs(o) do
    if not fields[k] then
      error(("rain.plan: unknown field '%s' (fields: at, window, packets, total, count, group, note, "
             .. "split, expires, name)"):format(tostring(k)), 2)
    end
  end
  if o.at == nil then error("rain.plan: no at (when the first packet goes, e.g. at = P.start - HOUR)", 2) end
  if o.total == nil then error("rain.plan: no total (the whole budget, e.g. total = \"100.00\")", 2) end
  if type(o.group) ~= "string" then
    error("rain.plan: group is the group id the packets are posted to", 2)
  end
  local n = o.packets
  if math.type(n) ~= "integer" or n < 1 or n > 100 then
    error("rain.plan: packets is a whole number from 1 to 100", 2)
  end
  local at = at_caller(schedule.time, o.at)
  local window = at_caller(schedule.duration, o.window or "10m")
  local total = at_caller(redpacket.fen, o.total)
  local count = o.count
  if math.type(count) ~= "integer" or count < 1 then
    error("rain.plan: count is the whole number of shares in each packet", 2)
  end
  if total < n * count then
    error(("rain.plan: %s 元 cannot fill %d packets of %d shares (at least %s 元)")
          :format(redpacket.yuan(total), n, count, redpacket.yuan(n * count)), 2)
  end
  local name = o.name or ("rain@" .. at)
  local each, extra = total // n, total % n
  local plan = {}
  for i = 1, n do
    local spec = { total = each + (i <= extra and 1 or 0), count = count, split = o.split,
                   expires = o.expires, group = o.group, note = o.note }
    local ok, why = at_caller(redpacket.check, spec)
    if not ok then
      error(("rain.plan: packet %d of %d: %s"):format(i, n, why), 2)
    end
    plan[i] = { name = name .. "-" .. i, at = at + (i - 1) * window // n, total = spec.total, spec = spec }
  end
  for _, p in ipairs(plan) do
    local spec, group = p.spec, o.group
    at_caller(schedule.at, p.at, p.name, function()
      send(group, redpacket.new(spec))
    end)
    p.spec = nil
  end
  return plan
end

return rain
