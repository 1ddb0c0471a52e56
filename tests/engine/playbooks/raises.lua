playbook { name = "raises", version = "1.0.0" }
schedule.every("every 1h", "bad", function()
  schedule.after("10m", jobs.never, { n = 1 })
  log("about to fail")
  error("boom")
end)
function jobs.never(args) log("never %d", args.n) end
