playbook { name = "events", version = "1.0.0" }
on("checkin", function(ev) log("checkin %s %d", ev.member, ev.data.points) end)
on("checkin", function(ev) if ev.data.points < 0 then error("negative points") end end)
on("order", function(ev) log("order %s in %s", ev.member, ev.group) end)
