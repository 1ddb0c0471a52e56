-- team_hook.lua — docs/architecture.md: group sh-1 through qun's signed
-- webhook, so that a request shows its idempotency key and signature.
channels = { hook = { type = "webhook", url = "https://ops.example/qun", secret = env("HOOK_SECRET") } }
groups   = { ["sh-1"] = { name = "上海1群", channel = "hook" } }
params   = { group = "sh-1" }
