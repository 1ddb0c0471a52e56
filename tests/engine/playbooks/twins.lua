playbook { name = "twins", version = "1.0.0" }
function jobs.hello(a)
  send("g1", "hello {n}", { n = a.n })
  schedule.after(60, jobs.bye, { n = a.n })
end
function jobs.bye(a) send("g1", "bye {n}", { n = a.n }) end
schedule.at("2026-11-23 10:00", "go", function()
  schedule.after(0, jobs.hello, { n = 1 }) -- same handler, same instant: two jobs
  schedule.after(0, jobs.hello, { n = 2 })
end)
