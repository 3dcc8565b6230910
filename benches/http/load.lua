-- wrk script for benches/http/run.sh. With PATH_TO_GET: GET that path as the holder of TOKEN.
-- Otherwise: POST /api/orders for one unit of a sku drawn from SKUS (a comma-separated list: one
-- sku is the hot-item case, many the spread case), paid at once, by a shopper drawn from
-- SHOPPERS (tokens of customers `shopper-<i>`, in order). With IDENTITY=headers (the Node
-- service's demo identity) the shopper is named by `x-customer-id`, the reader by `x-staff-id`. done() prints one JSON line:
-- requests/s, latency percentiles (ms) and errors (non-2xx answers and socket errors).
local token = os.getenv("TOKEN")
local path = os.getenv("PATH_TO_GET")
local skus = {}
for sku in string.gmatch(os.getenv("SKUS") or "mug", "[^,]+") do skus[#skus + 1] = sku end
local shoppers = {}
for shopper in string.gmatch(os.getenv("SHOPPERS") or "", "[^,]+") do shoppers[#shoppers + 1] = shopper end
local by_headers = os.getenv("IDENTITY") == "headers"
if by_headers then for i = 1, 200 do shoppers[i] = "" end end
local address = '{"name":"Ada","line1":"1 Main St","city":"SF","region":"CA","postal_code":"94103","country":"US"}'

request = function()
  if path then
    if by_headers then return wrk.format("GET", path, {["x-staff-id"] = "bench"}) end
    return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
  end
  local sku = skus[math.random(#skus)]
  local i = math.random(#shoppers)
  local body = '{"customer_id":"shopper-' .. (i - 1) .. '","lines":[{"sku":"' .. sku .. '","quantity":1}],' ..
    '"shipping_address":' .. address .. ',"payment":{"method":"card","capture":true}}'
  local headers = {["Content-Type"] = "application/json"}
  if by_headers then
    headers["x-customer-id"] = "shopper-" .. (i - 1)
  else
    headers["Authorization"] = "Bearer " .. shoppers[i]
  end
  return wrk.format("POST", "/api/orders", headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"rps":%.1f,"p50":%.2f,"p95":%.2f,"p99":%.2f,"errors":%d,"requests":%d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, e.status + e.connect + e.read + e.write + e.timeout, summary.requests))
end
