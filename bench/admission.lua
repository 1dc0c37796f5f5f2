-- POSTs one AdmissionReview (bench/out/admission/review.json) to /validate.
-- With RATE set (requests per second for the whole run) and THREADS (wrk's -t), each wrk thread
-- hands out send times on a fixed schedule, RATE/THREADS per second: a connection that is free
-- waits for the next slot (the delay() hook, with a monotonic clock through LuaJIT's ffi). This
-- offers a constant rate whatever the latency, the documented stand-in for wrk2's -R (wrk2 is not
-- packaged by Debian). Latency is measured from the send, without wrk2's coordinated-omission
-- correction; the achieved rate is printed so a server that falls behind shows.
local file = io.open(os.getenv("REVIEW") or "bench/out/admission/review.json", "r")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

local rate = tonumber(os.getenv("RATE") or "0")
local threads = tonumber(os.getenv("THREADS") or "2")
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } bulkhead_timespec;
    int clock_gettime(int clock, bulkhead_timespec *time);
  ]]
  local now_spec = ffi.new("bulkhead_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, now_spec) -- CLOCK_MONOTONIC
    return tonumber(now_spec.tv_sec) * 1000 + tonumber(now_spec.tv_nsec) / 1e6
  end
  local interval = 1000 * threads / rate
  local next_slot = nil
  function delay()
    local now = now_ms()
    if next_slot == nil or next_slot < now - interval then
      next_slot = now -- start, or the schedule fell behind: do not send a burst to catch up
    else
      next_slot = next_slot + interval
    end
    return math.max(0, next_slot - now)
  end
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors %d (status %d, timeout %d), %.0f req/s\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.errors.timeout, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000))
end
