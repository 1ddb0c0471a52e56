-- qun.expect — the matchers of a playbook test. `qun test` preloads this
-- module as the global `expect` (docs/testing.md):
--
--   expect(value [, label]):to_be(x)          x == value
--     :to_equal(t)                            the same contents, at any depth
--     :to_be_at_least(n) / :to_be_at_most(n)  numbers
--     :to_be_between(a, b)                    a <= value <= b
--     :to_contain(x)                          a substring, or an element of a list
--     :to_have_length(n)                      #value, for lists and strings
--     :to_be_truthy()                         not nil, not false
--   expect(fn):to_fail_with("text")           fn() raises an error containing text
--   expect(value).never:to_be(x)              any matcher, the other way round
--
-- A matcher that does not hold raises "test_file.lua:LINE: expected ..., got
-- ...", naming the line of the test that called it; lists of transcript lines
-- are shown by time and text. Matchers return the matcher, so they chain:
-- expect(n):to_be_at_least(1):to_be_at_most(3).

local Matcher = {}

local SHOW_ITEMS = 5   -- items of a list shown in a message
local SHOW_TEXT = 12   -- characters of a message's text shown per send

-- ---- showing values ----

local function cut(s, n)
  if #s <= n then
    return s
  end
  if utf8.len(s) then
    if utf8.len(s) <= n then
      return s
    end
    return s:sub(1, utf8.offset(s, n + 1) - 1) .. "…"
  end
  return s:sub(1, n) .. "…"
end

local function quote(s, n)
  s = cut(s, n or 60)
  return '"' .. s:gsub('[\\"]', "\\%0"):gsub("\n", "\\n"):gsub("\r", "\\r"):gsub("\t", "\\t") .. '"'
end

local function minute(t)
  return type(t) == "string" and t:sub(1, 16) or "?"
end

-- What a message says first: its text, markdown or title.
local function words(msg, depth)
  depth = depth or 0
  if type(msg) ~= "table" or depth > 3 then
    return nil
  end
  if type(msg.text) == "string" then return msg.text end
  if type(msg.markdown) == "string" then return msg.markdown end
  if type(msg.title) == "string" then return msg.title end
  for k, v in pairs(msg) do
    if type(v) == "table" and k ~= "mention" then
      local w = words(v[1] or v, depth + 1)
      if w then return w end
    end
  end
  return nil
end

local function kind_of(msg)
  if type(msg) ~= "table" then return "?" end
  for _, k in ipairs { "text", "markdown", "image", "link", "news" } do
    if msg[k] ~= nil then return k end
  end
  return next(msg) or "?"
end

-- One transcript line (or recorded request), briefly.
local function brief_line(l)
  local t, ev = minute(l.t), l.ev
  if ev == "send" then
    local w = words(l.msg)
    return t .. " " .. (w and quote(w, SHOW_TEXT) or "[" .. kind_of(l.msg) .. "]")
  elseif ev == "event" then
    return t .. " " .. tostring(l.type) .. (l.member and " " .. tostring(l.member) or "")
  elseif ev == "deferred" or ev == "dropped" then
    return t .. " " .. ev .. " " .. tostring(l.to) .. " (" .. tostring(l.reason) .. ")"
  elseif ev == "error" or ev == "log" then
    return t .. " " .. ev .. " " .. quote(tostring(l.message), 60)
  elseif ev == "tag" then
    return t .. " tag " .. tostring(l.op) .. " " .. tostring(l.tag) .. " " .. tostring(l.member)
  elseif ev == "tier" then
    return t .. " tier " .. tostring(l.member) .. " " .. tostring(l.from) .. "→" .. tostring(l.to)
  elseif ev == "redpacket" then
    return t .. " redpacket " .. tostring(l.op) .. " " .. tostring(l.packet)
      .. (l.member and " " .. tostring(l.member) or "") .. (l.fen and " " .. tostring(l.fen) .. " fen" or "")
  elseif ev == "skipped" then
    return t .. " skipped " .. tostring(l.job) .. " (" .. tostring(l.reason) .. ")"
  elseif ev == nil and l.body ~= nil then -- a recorded request
    return t .. " " .. tostring(l.channel) .. " " .. quote(tostring(l.body), 40)
  end
  return t .. " " .. tostring(ev)
end

local function is_line(v)
  return type(v) == "table" and type(v.t) == "string" and (v.ev ~= nil or v.body ~= nil)
end

local function key_text(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then
    return k
  end
  return "[" .. (type(k) == "string" and quote(k) or tostring(k)) .. "]"
end

local function is_list(t)
  local n = #t
  local count = 0
  for _ in pairs(t) do
    count = count + 1
  end
  return count == n
end

local show

local function show_table(t, depth)
  if is_line(t) then
    return brief_line(t)
  end
  if depth > 2 then
    return "{…}"
  end
  local parts = {}
  if is_list(t) then
    for i = 1, math.min(#t, SHOW_ITEMS) do
      parts[i] = show(t[i], depth + 1)
    end
    if #t > SHOW_ITEMS then
      parts[#parts + 1] = "… " .. (#t - SHOW_ITEMS) .. " more"
    end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "string" or type(a) == "number") then
      return a < b
    end
    return type(a) < type(b)
  end)
  for i = 1, math.min(#keys, 8) do
    parts[i] = key_text(keys[i]) .. " = " .. show(t[keys[i]], depth + 1)
  end
  if #keys > 8 then
    parts[#parts + 1] = "… " .. (#keys - 8) .. " more"
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function show(v, depth)
  depth = depth or 0
  local ty = type(v)
  if ty == "string" then
    return quote(v)
  elseif ty == "number" then
    return math.type(v) == "integer" and string.format("%d", v) or string.format("%.14g", v)
  elseif ty == "table" then
    return show_table(v, depth)
  end
  return tostring(v)
end

-- A list of transcript lines as "[time "text", ...]".
local function show_list(t)
  local parts = {}
  for i = 1, math.min(#t, SHOW_ITEMS) do
    parts[i] = show(t[i], 1)
  end
  if #t > SHOW_ITEMS then
    parts[#parts + 1] = "… " .. (#t - SHOW_ITEMS) .. " more"
  end
  return "[" .. table.concat(parts, ", ") .. "]"
end

-- What a list holds, for "expected 3 sends": the kind a query put on its
-- result, else the kind every element shares.
local function noun(t, n)
  local mt = getmetatable(t)
  local kind = type(mt) == "table" and rawget(mt, "qun_kind") or nil
  if not kind and #t > 0 then
    local ev = is_line(t[1]) and (t[1].ev or "request")
    for i = 2, #t do
      if not is_line(t[i]) or (t[i].ev or "request") ~= ev then
        ev = nil
        break
      end
    end
    kind = ev and ((ev == "send" or ev == "event" or ev == "request") and ev or ev .. " line")
  end
  kind = kind or "item"
  return n .. " " .. kind .. (n == 1 and "" or "s")
end

-- ---- comparing ----

local function path_of(path, k)
  if type(k) == "number" then
    return path .. "[" .. show(k) .. "]"
  end
  local kt = key_text(k)
  return path .. (kt:sub(1, 1) == "[" and kt or "." .. kt)
end

-- true, or false with where the first difference is and the two values there.
local function deep_equal(a, b, path, seen)
  path = path or ""
  if a == b then
    return true
  end
  if type(a) ~= "table" or type(b) ~= "table" then
    if type(a) == "number" and type(b) == "number" and a == b then
      return true
    end
    return false, path, a, b
  end
  seen = seen or {}
  if seen[a] == b then
    return true -- a cycle already being compared
  end
  seen[a] = b
  local keys = {}
  for k in pairs(a) do
    keys[#keys + 1] = k
  end
  for k in pairs(b) do
    if a[k] == nil then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, function(x, y)
    if type(x) == type(y) and (type(x) == "string" or type(x) == "number") then
      return x < y
    end
    return type(x) < type(y)
  end)
  for _, k in ipairs(keys) do
    local ok, p, x, y = deep_equal(a[k], b[k], path_of(path, k), seen)
    if not ok then
      return false, p, x, y
    end
  end
  return true
end

-- ---- the matchers ----

-- Raises the failure at the line of the test that called the matcher:
-- level 1 is check, 2 the matcher, 3 the test (so matchers call it as
-- `return (check(...))`: a tail call would drop the matcher's level).
local function check(self, pass, msg, negated_msg)
  if self.negated then
    pass, msg = not pass, negated_msg
  end
  if pass then
    return self
  end
  if self.label then
    msg = tostring(self.label) .. ": " .. msg
  end
  error(msg, 3)
end

local function own(self, name)
  if getmetatable(self) ~= Matcher then
    error("use expect(value):" .. name .. "(...), with a colon", 3)
  end
  return self
end

local function need_number(x, name, what)
  if type(x) ~= "number" then
    error(name .. ": " .. what .. " is a number, not " .. show(x), 3)
  end
end

local methods = {}

function methods.to_be(self, x)
  own(self, "to_be")
  local v = self.value
  local msg = "expected " .. show(x) .. ", got " .. show(v)
  if type(v) == "table" and type(x) == "table" and v ~= x and deep_equal(v, x) then
    msg = msg .. " (the same contents, not the same table: use to_equal)"
  end
  return (check(self, v == x, msg, "expected a value other than " .. show(x)))
end

function methods.to_equal(self, x)
  own(self, "to_equal")
  local ok, path, want, got = deep_equal(x, self.value, "")
  local msg = "expected " .. show(x) .. ", got " .. show(self.value)
  if not ok and path ~= "" then
    msg = msg .. " (at " .. path .. ": expected " .. show(want) .. ", got " .. show(got) .. ")"
  end
  return (check(self, ok, msg, "expected a value other than " .. show(x)))
end

function methods.to_be_at_least(self, n)
  own(self, "to_be_at_least")
  need_number(n, "to_be_at_least(n)", "n")
  local v = self.value
  return (check(self, type(v) == "number" and v >= n, "expected at least " .. show(n) .. ", got " .. show(v),
    "expected less than " .. show(n) .. ", got " .. show(v)))
end

function methods.to_be_at_most(self, n)
  own(self, "to_be_at_most")
  need_number(n, "to_be_at_most(n)", "n")
  local v = self.value
  return (check(self, type(v) == "number" and v <= n, "expected at most " .. show(n) .. ", got " .. show(v),
    "expected more than " .. show(n) .. ", got " .. show(v)))
end

function methods.to_be_between(self, a, b)
  own(self, "to_be_between")
  need_number(a, "to_be_between(a, b)", "a")
  need_number(b, "to_be_between(a, b)", "b")
  local v = self.value
  local range = show(a) .. " and " .. show(b)
  return (check(self, type(v) == "number" and v >= a and v <= b,
    "expected between " .. range .. ", got " .. show(v),
    "expected a value outside " .. range .. ", got " .. show(v)))
end

function methods.to_contain(self, x)
  own(self, "to_contain")
  local v = self.value
  if type(v) == "string" then
    if type(x) ~= "string" and type(x) ~= "number" then
      error("to_contain(x): a string contains a string, not " .. show(x), 2)
    end
    local found = v:find(tostring(x), 1, true) ~= nil
    return (check(self, found, "expected " .. show(v) .. " to contain " .. show(tostring(x)),
      "expected " .. show(v) .. " not to contain " .. show(tostring(x))))
  end
  if type(v) ~= "table" then
    return (check(self, false, "expected a string or a list containing " .. show(x) .. ", got " .. show(v),
      "expected a string or a list, got " .. show(v)))
  end
  local found = false
  for _, e in ipairs(v) do
    if deep_equal(e, x) then
      found = true
      break
    end
  end
  return (check(self, found, "expected a list containing " .. show(x) .. ", got " .. show(v),
    "expected a list without " .. show(x) .. ", got " .. show(v)))
end

function methods.to_have_length(self, n)
  own(self, "to_have_length")
  need_number(n, "to_have_length(n)", "n")
  local v = self.value
  if type(v) == "string" then
    return (check(self, #v == n, "expected length " .. show(n) .. ", got " .. #v .. ": " .. show(v),
      "expected a length other than " .. show(n) .. ": " .. show(v)))
  end
  if type(v) ~= "table" then
    return (check(self, false, "expected a list or a string of length " .. show(n) .. ", got " .. show(v),
      "expected a list or a string, got " .. show(v)))
  end
  local got = "got " .. #v .. (#v > 0 and ": " .. show_list(v) or "")
  return (check(self, #v == n, "expected " .. noun(v, n) .. ", " .. got,
    "expected not " .. noun(v, n) .. ", " .. got))
end

function methods.to_be_truthy(self)
  own(self, "to_be_truthy")
  local v = self.value
  return (check(self, v ~= nil and v ~= false, "expected a truthy value (not nil or false), got " .. show(v),
    "expected nil or false, got " .. show(v)))
end

function methods.to_fail_with(self, text)
  own(self, "to_fail_with")
  local fn = self.value
  if type(fn) ~= "function" then
    error("to_fail_with: expect(...) needs a function to call, not " .. show(fn), 2)
  end
  if text ~= nil and type(text) ~= "string" then
    error("to_fail_with(text): text is a string, not " .. show(text), 2)
  end
  local ok, e = pcall(fn)
  local want = text and "an error containing " .. show(text) or "an error"
  if ok then
    return (check(self, false, "expected " .. want .. ", but the function returned", ""))
  end
  local msg = type(e) == "string" and e or show(e)
  local pass = text == nil or msg:find(text, 1, true) ~= nil
  return (check(self, pass, "expected " .. want .. ", got " .. quote(msg, 200),
    "expected no " .. (text and "error containing " .. show(text) or "error") .. ", got " .. quote(msg, 200)))
end

Matcher.__index = function(self, k)
  if k == "never" then
    return setmetatable({ value = rawget(self, "value"), label = rawget(self, "label"),
                          negated = not rawget(self, "negated") }, Matcher)
  end
  return methods[k]
end

local function expect(value, label)
  if label ~= nil and type(label) ~= "string" then
    error("expect(value, label): label is a string, not " .. show(label), 2)
  end
  return setmetatable({ value = value, label = label, negated = false }, Matcher)
end

return expect
