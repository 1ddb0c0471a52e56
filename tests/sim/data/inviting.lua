playbook { name = "inviting", version = "1.0.0", params = { group = { type = "group", default = "sh-1" } } }
-- Every two hours an invitation: members bring friends, the audience grows
-- past the room it was built with.
schedule.every("every 2h", "invite", function()
  send(params.group, "邀请好友入群，一起领福利")
end)
