playbook { name = "held", version = "1.0.0" }
on("signup", function(ev) schedule.after("30m", jobs.welcome, { who = ev.data.who }) end)
schedule.at("2026-11-23 09:05", "tick", function() log("tick") end)
function jobs.welcome(args) log("welcome %s", args.who) end
