-- Unknown-key flood for the auth-throttle measurement (README "Reliability"): each connection sends one request
-- per 10 ms with a new unknown key, e.g. wrk -t2 -c60 -d14s -s bench/auth-flood.lua http://127.0.0.1:8080/
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/gatehouse/v1/whoami", { ["authorization"] = "Bearer gh_unknown" .. n })
end
function delay() return 10 end
