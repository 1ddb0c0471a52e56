timezone = "Asia/Shanghai"
quiet_hour = "22:00-08:00"
