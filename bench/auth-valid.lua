-- Valid requests beside the flood: GH_KEY=gh_... wrk -t1 -c2 -d8s --latency -s bench/auth-valid.lua
-- http://127.0.0.1:8080/gatehouse/v1/whoami (one request per 10 ms per connection)
wrk.headers["authorization"] = "Bearer " .. os.getenv("GH_KEY")
function delay() return 10 end
