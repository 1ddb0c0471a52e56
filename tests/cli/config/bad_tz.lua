timezone = "Asia/Shangai"
