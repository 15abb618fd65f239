-- POST + DELETE pairs of IPsec CA entries, for bench/run.py.
-- Run with as many threads as connections (-t N -c N): each thread then drives
-- one keep-alive connection, in order, so a DELETE never overtakes its POST.
-- Args after `--`: a file of "svm_name cert_uuid" lines (installed CAs not yet
-- in the IPsec list); thread i takes the lines i, i+N, i+2N, ...
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, count = args[1], tonumber(args[2])
  pool = {}
  local i = 0
  for line in io.lines(path) do
    if i % count == id then
      local svm, uuid = line:match("^(%S+)%s+(%S+)$")
      table.insert(pool, {svm, uuid})
    end
    i = i + 1
  end
  index, posting = 1, true
  base = "/api/security/ipsec/ca-certificates"
end

-- The next request is decided by the last response, not by request() calls:
-- wrk calls request() once more than it sends (to count pipelined requests).
function request()
  local entry = pool[index]
  if posting then
    local body = string.format('{"certificate":{"uuid":"%s"},"svm":{"name":"%s"}}',
                               entry[2], entry[1])
    local headers = {}
    for k, v in pairs(wrk.headers) do headers[k] = v end
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", base, headers, body)
  end
  return wrk.format("DELETE", base .. "/" .. entry[2])
end

function response(status, headers, body)
  if status >= 300 and not first_error then
    first_error = string.format("%d %s", status, (body or ""):sub(1, 200))
  end
  if posting then
    posting = false
  else
    posting = true
    index = index % #pool + 1
  end
end

done = function(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local err = thread:get("first_error")
    if err then
      io.write("WRKERROR " .. err:gsub("\n", " ") .. "\n")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
