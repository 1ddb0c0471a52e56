-- model_tired.lua — docs/dryrun.md: the built-in behaviour model, except
-- that members tire sooner and leave more easily when over-messaged.
return {
  fatigue = { comfortable = 2, decay = 0.35, leave_over = 4, leave = 0.15 },
}
