-- everyone reads everything, nobody tires
return {
  personas = { { name = "fan", share = 1.0, read = 1.0, click = 1.0, pay_click = 1.0, buy = 1.0 } },
  fatigue = { comfortable = 1000, leave_over = 1000 },
}
