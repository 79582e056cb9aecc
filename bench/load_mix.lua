-- wrk script for `python -m bench load`: replays a file of request paths (the query mix that
-- bench_load.py writes), stops each thread after a bounded number of responses, and prints the
-- run's figures as one JSON line prefixed "RESULT ".
--
--   wrk -t1 -c32 -d10s -s bench/load_mix.lua http://127.0.0.1:PORT -- PATHS_FILE MAX_REQUESTS

local paths = {}
local next_path = 1
local max_responses = 0
local responses = 0
local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  max_responses = tonumber(args[2]) or 0
  -- threads start at different places in the mix, so they do not send the same query at once
  next_path = (offset or 0) * 997 % #paths + 1
end

function request()
  local path = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", path)
end

function response(status, headers, body)
  responses = responses + 1
  if max_responses > 0 and responses >= max_responses then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean))
end
