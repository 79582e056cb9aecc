-- wrk script for `python -m bench load`: replays a file of request paths (the query mix that
-- bench_load.py writes), stops each thread after a bounded number of responses, and prints the
-- run's figures as one JSON line prefixed "RESULT ". A line "PATH<TAB>ETAG" sends the request
-- with If-None-Match: ETAG (the conditional run: a client or a CDN that holds the answer).
--
--   wrk -t1 -c32 -d10s -s bench/load_mix.lua http://127.0.0.1:PORT -- PATHS_FILE MAX_REQUESTS

local paths = {}
local etags = {}
statuses = {}  -- a global of each thread's state, read by done() through thread:get
local thread_list = {}
local next_path = 1
local max_responses = 0
local responses = 0
local threads = 0

function setup(thread)
  thread:set("offset", threads)
  thread_list[#thread_list + 1] = thread
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      local path, etag = line:match("^([^\t]+)\t(.+)$")
      paths[#paths + 1] = path or line
      etags[#paths] = etag
    end
  end
  max_responses = tonumber(args[2]) or 0
  -- threads start at different places in the mix, so they do not send the same query at once
  next_path = (offset or 0) * 997 % #paths + 1
end

function request()
  local i = next_path
  next_path = next_path % #paths + 1
  if etags[i] then
    return wrk.format("GET", paths[i], {["If-None-Match"] = etags[i]})
  end
  return wrk.format("GET", paths[i])
end

function response(status, headers, body)
  responses = responses + 1
  statuses[status] = (statuses[status] or 0) + 1
  if max_responses > 0 and responses >= max_responses then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local counts = {}
  local total = {}
  for _, thread in ipairs(thread_list) do
    for status, n in pairs(thread:get("statuses") or {}) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do counts[#counts + 1] = string.format('"%d": %d', status, n) end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean, table.concat(counts, ", ")))
end
