redpacket = { max_total = "200.001" }
