-- POSTs one AdmissionReview (bench/out/admission/review.json) to /validate.
-- With RATE set (requests per second for the whole run) and CONNECTIONS (wrk's -c), every
-- connection waits CONNECTIONS/RATE seconds between requests: wrk paced to a fixed rate, the
-- documented stand-in for wrk2's -R (not packaged by Debian). Latency is then measured per request
-- at that rate (without wrk2's coordinated-omission correction).
local file = io.open(os.getenv("REVIEW") or "bench/out/admission/review.json", "r")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "64")
if rate > 0 then
  local gap = 1000 * connections / rate
  function delay()
    return gap
  end
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors %d (status %d, timeout %d), %.0f req/s\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.errors.timeout, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000))
end
