-- Shared helpers of the wrk scripts in bench/ (loaded with dofile by them).
--
-- Every script prints one machine-readable line from done():
--   @@result {"requests":…,"duration_us":…,"rps":…,"p50_us":…,"p99_us":…,
--             "non2xx":…,"codes":{"200":…},"errors":{…},…}
-- which bench/run.sh reads; wrk's own human-readable summary stays above it.
local lib = {}

-- "key=value" script arguments (after wrk's "--") into a table; a bare word
-- lands in the array part.
function lib.parse_args(args)
  local opts = {}
  for _, a in ipairs(args or {}) do
    local k, v = a:match("^([%w_]+)=(.*)$")
    if k then
      opts[k] = v
    else
      opts[#opts + 1] = a
    end
  end
  return opts
end

-- Main state: hand each thread its index (0-based) before its init() runs.
-- wrk calls setup(thread) and then that thread's init() one thread at a time.
lib.threads = {}
function lib.setup(thread)
  thread:set("thread_index", #lib.threads)
  table.insert(lib.threads, thread)
end

-- Thread state: status counts, kept by response().
codes = {}
non2xx = 0

function lib.count_status(status)
  codes[status] = (codes[status] or 0) + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

-- Header lookup that does not depend on the server's capitalisation.
function lib.header(headers, name)
  local v = headers[name]
  if v then return v end
  local lower = name:lower()
  for k, val in pairs(headers) do
    if k:lower() == lower then return val end
  end
  return nil
end

local function json_string(s)
  s = tostring(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end
lib.json_string = json_string

local function json_value(v)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
    return string.format("%.3f", v)
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "table" then
    if v.__array or #v > 0 then
      local parts = {}
      for i = 1, #v do parts[i] = json_value(v[i]) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do
      if k ~= "__array" then keys[#keys + 1] = tostring(k) end
    end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do
      local val = v[k]
      if val == nil then val = v[tonumber(k)] end
      parts[#parts + 1] = json_string(k) .. ":" .. json_value(val)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif v == nil then
    return "null"
  end
  return json_string(v)
end
lib.json = json_value

-- Main state, from done(): the common result fields plus whatever the script
-- adds in `extra` (a table), printed as one @@result line.
function lib.report(summary, latency, extra)
  local all_codes, all_non2xx = {}, 0
  for _, t in ipairs(lib.threads) do
    local c = t:get("codes") or {}
    for status, n in pairs(c) do
      local key = tostring(status)
      all_codes[key] = (all_codes[key] or 0) + n
    end
    all_non2xx = all_non2xx + (t:get("non2xx") or 0)
  end
  local seconds = summary.duration / 1e6
  local result = {
    requests = summary.requests,
    duration_us = summary.duration,
    rps = seconds > 0 and summary.requests / seconds or 0,
    p50_us = latency:percentile(50),
    p90_us = latency:percentile(90),
    p99_us = latency:percentile(99),
    max_us = latency.max,
    mean_us = latency.mean,
    non2xx = all_non2xx,
    codes = all_codes,
    errors = {
      connect = summary.errors.connect,
      read = summary.errors.read,
      write = summary.errors.write,
      status = summary.errors.status,
      timeout = summary.errors.timeout,
    },
    threads = #lib.threads,
  }
  for k, v in pairs(extra or {}) do result[k] = v end
  io.write("@@result ", json_value(result), "\n")
end

return lib
