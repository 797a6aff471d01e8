-- Mixed clinic traffic for wrk: people reading their next session (GET /api/today) and
-- logging sessions (POST /api/log), clinicians reading their patient lists
-- (GET /api/patients). Sessions come from login.py's file (RW_SESSIONS).
--   RW_LOG_PERCENT (default 20), RW_DASHBOARD_PERCENT (default 10): the mix.
local walkers, clinicians = {}, {}

local function load(path)
  for line in io.lines(path) do
    local role, id, cookie, csrf = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)")
    if role then
      local s = { role = role, id = id, cookie = cookie, csrf = csrf }
      if role == "clinician" then table.insert(clinicians, s) else table.insert(walkers, s) end
    end
  end
end

load(os.getenv("RW_SESSIONS") or "sessions.tsv")
assert(#walkers > 0, "no signed-in walkers in " .. (os.getenv("RW_SESSIONS") or "sessions.tsv"))
local log_share = tonumber(os.getenv("RW_LOG_PERCENT") or "20")
local dash_share = tonumber(os.getenv("RW_DASHBOARD_PERCENT") or "10")

-- A session log as the web API's SessionLog schema describes it (crates/web/src/openapi.rs):
-- a comfortable session today (UTC, the server's default day), so the engine progresses
-- and the programme never pauses during the run.
local today = os.date("!%Y-%m-%d")
local log_bodies = {}
for effort = 4, 6 do
  for pain = 0, 2 do
    table.insert(log_bodies, string.format(
      '{"date":"%s","backward_min":%d,"effort":%d,"pain_before":%d,"pain_during":%d,"pain_after":%d,' ..
      '"dizziness":false,"near_fall":false,"fall":false,"rails":"light","stopped_early":null}',
      today, 8 + effort, effort, pain, pain, pain))
  end
end
if os.getenv("RW_LOG_BODY") then log_bodies = { os.getenv("RW_LOG_BODY") } end

request = function()
  local r = math.random(100)
  if r <= dash_share and #clinicians > 0 then
    local c = clinicians[math.random(#clinicians)]
    return wrk.format("GET", "/api/patients", { Cookie = c.cookie })
  end
  local w = walkers[math.random(#walkers)]
  if r <= dash_share + log_share then
    return wrk.format("POST", "/api/log", {
      Cookie = w.cookie, ["X-CSRF-Token"] = w.csrf, ["Content-Type"] = "application/json",
    }, log_bodies[math.random(#log_bodies)])
  end
  return wrk.format("GET", "/api/today", { Cookie = w.cookie })
end

-- wrk counts responses with a status >= 400 in errors.status; socket errors separately.
done = function(summary, latency, requests)
  io.write(string.format("RESULT req_per_s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
