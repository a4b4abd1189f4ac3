-- The load script of `npm run bench` (bench/run.ts) for wrk 4:
--   wrk -t1 -cN -dS -H 'header: value'... -s bench/wrk.lua URL -- METHOD PATH BODY POOL START PREFIX FIELD THREADS
-- BODY: a constant body, or "-" for none. POOL: a file of unused refresh tokens, one a line, or "-".
-- With a pool, requests are single-use (bench/child.ts, Chain): a request's body is PREFIX and a
-- token; the token comes from a 2xx answer's FIELD (the rotated refresh token, never sent before),
-- else from the pool, from line START + 1 on, strided across THREADS threads. No token is sent twice.
-- done() prints one line "WRKJSON {...}": counts (by status class, counted in response()), wrk's
-- errors, latency percentiles in microseconds, and how many pool tokens each thread drew.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  method, path, body = args[1], args[2], args[3] ~= "-" and args[3] or nil
  s2xx, s3xx, s4xx, s5xx, drawn, overrun = 0, 0, 0, 0, 0, 0
  if args[4] == "-" then
    wrk.method, wrk.path, wrk.body = method, path, body
    return -- a static request: wrk formats it once
  end
  pool = {}
  for line in io.lines(args[4]) do pool[#pool + 1] = line end
  start, prefix, nthreads = tonumber(args[5]), args[6], tonumber(args[8])
  pattern = '"' .. args[7] .. '":"([^"]+)"'
  queue, head, tail = {}, 1, 0
  request = function()
    local token
    if head <= tail then
      token = queue[head]
      queue[head] = nil
      head = head + 1
    else
      token = pool[start + 1 + id + drawn * nthreads]
      drawn = drawn + 1
      if token == nil then
        -- The pool ran dry: an invalid token (answered 4xx) and the run is reported invalid.
        overrun = overrun + 1
        token = "pool-exhausted"
      end
    end
    return wrk.format(method, path, nil, prefix .. token)
  end
end

function response(status, headers, answer)
  if status < 300 and status >= 200 then
    s2xx = s2xx + 1
    if pattern then
      local token = string.match(answer, pattern)
      if token then
        tail = tail + 1
        queue[tail] = token
      end
    end
  elseif status < 400 then s3xx = s3xx + 1
  elseif status < 500 then s4xx = s4xx + 1
  else s5xx = s5xx + 1 end
end

function done(summary, latency, requests)
  local c = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, overrun = 0, drawn = 0 }
  for _, t in ipairs(threads) do
    for k, _ in pairs(c) do
      local v = t:get(k) or 0
      if k == "drawn" then c[k] = math.max(c[k], v) else c[k] = c[k] + v end
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"durationUs":%d,"bytes":%d,"status":{"2xx":%d,"3xx":%d,"4xx":%d,"5xx":%d},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"drawn":%d,"overrun":%d,' ..
    '"latencyUs":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, c.s2xx, c.s3xx, c.s4xx, c.s5xx,
    e.connect, e.read, e.write, e.timeout, c.drawn, c.overrun,
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
