-- wrk script: GET PATH as TOKEN's holder; done() prints the same JSON line as checkout.lua.
local token = os.getenv("TOKEN")
local path = os.getenv("PATH_TO_GET")

request = function()
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"rps":%.1f,"p50":%.2f,"p95":%.2f,"p99":%.2f,"errors":%d,"requests":%d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, e.status + e.connect + e.read + e.write + e.timeout, summary.requests))
end
