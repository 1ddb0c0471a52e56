-- training_camp_quiet_model.lua — a behaviour model in which nobody reacts
-- to anything (training_camp_test.lua): every event of the scripted run
-- comes from training_camp_events.jsonl, so each member's story is exact.
return {
  personas = {
    { name = "quiet", share = 1.0, read = 0, click = 0, pay_click = 0, buy = 0, claim = 0, checkin = 0,
      lesson = 0, homework = 0, ask = 0, invite = 0, ads_per_day = 0, asks_per_day = 0 },
  },
  fatigue = { leave = 0 },
}
