-- One wrk scenario of the load test (benchmarks/load/run.py starts wrk with it).
--
--   wrk ... -s request.lua <url> -- MODE PATH HEADER VALUE [VALUES_FILE]
--
-- MODE    get: GET PATH; create: POST PATH with a new case as JSON (a staff member's create)
-- PATH    request path; "{}" is replaced by a random line of VALUES_FILE (a case number)
-- HEADER  the credential's header name (Authorization or Cookie), VALUE its value
-- VALUES_FILE  get: one value a line (case numbers);
--              create: "customer_id topic_id" a line, one picked at random per request
--
-- Every response's status is counted per code in each thread; done() prints one line
-- "status CODE COUNT" per code, which run.py reads next to wrk's own summary.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  file:close()
  assert(#lines > 0, "no values in " .. path)
  return lines
end

function init(args)
  mode = args[1]
  path = args[2]
  header_name = args[3]
  header_value = args[4]
  values = nil
  if args[5] ~= nil and args[5] ~= "" then
    values = read_lines(args[5])
  end
  statuses = {}
  sent = 0
  math.randomseed(os.time() * 100 + thread_number)
  wrk.headers[header_name] = header_value
  if mode == "create" then
    assert(values ~= nil, "create needs a file of 'customer_id topic_id' lines")
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  else
    assert(mode == "get", "mode must be get or create, not " .. tostring(mode))
    wrk.method = "GET"
  end
end

local function pick()
  return values[math.random(#values)]
end

function request()
  sent = sent + 1
  if mode == "create" then
    local customer, topic = pick():match("^(%d+)%s+(%d+)$")
    local body = string.format(
      '{"message": "Load test %d-%d: a card payment was charged twice, please refund one.",'
        .. ' "customer_id": %s, "topic_id": %s, "channel": "phone"}',
      thread_number, sent, customer, topic
    )
    return wrk.format(nil, path, nil, body)
  end
  if values ~= nil then
    return wrk.format(nil, (path:gsub("{}", pick(), 1)))
  end
  return wrk.format(nil, path)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for code, count in pairs(counts or {}) do
      total[code] = (total[code] or 0) + count
    end
  end
  for code, count in pairs(total) do
    io.write(string.format("status %d %d\n", code, count))
  end
end
