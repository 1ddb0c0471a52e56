-- params.lua — says its params at the start, for sim.run's set = {}.
playbook {
  name = "params", version = "1.0.0",
  params = {
    group  = { type = "group",   default = "sh-1" },
    n      = { type = "integer", default = 1 },
    on     = { type = "boolean", default = false },
    ratio  = { type = "number",  default = 0.5 },
    topics = { type = "list",    of = "string", default = { "a" } },
  },
}
local P = params
send(P.group, table.concat({ tostring(P.n), tostring(P.on), tostring(P.ratio), table.concat(P.topics, "|") }, " "))
