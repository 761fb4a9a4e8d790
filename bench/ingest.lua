-- wrk script: POST signed webhooks from a file written by make_requests.
--
--   wrk -t2 -c64 -d10s --latency -s bench/ingest.lua http://127.0.0.1:PORT \
--       -- file=/tmp/unique.tsv threads=2 [mode=once|cycle] [lines=K] [path=/webhook]
--
-- file     lines "<signature>\t<json body>" (bench/make_requests.cpp)
-- threads  must equal wrk's -t: thread i sends lines i, i+T, i+2T, … so no two
--          threads ever send the same line
-- mode     once  (default) every line at most once; a thread that runs out
--                sends cheap GET /health/live fillers until its own requests
--                in flight are answered, then stops itself, so a bulk load
--                ends exactly when its last row is acknowledged
--          cycle start again at the thread's first line when out of lines
--                (duplicate deliveries, and the null handler's yardstick)
-- lines    use only the first K lines of the file
-- path     /webhook by default (null.lua uses /_bench/null with the same
--          bodies and headers, so the client does the same work in both)
-- done_dir mode=once: each thread that has stopped creates done_dir/thread-<i>.
--          wrk's main thread sleeps for the whole -d even when every thread
--          has stopped, so bench/run.sh waits for these files and then sends
--          wrk SIGINT, which ends the run at once with the normal summary.
--
-- Every request carries X-Request-ID "wb-<line number>"; the service echoes
-- it, which ties each response to the line it answers. done() reports the
-- 200s, the other status codes and the line numbers still unanswered when
-- wrk stopped (wrk abandons the requests in flight at the end of its
-- duration; the server may or may not have stored those), so bench/run.sh
-- can check exactly that every 200 is a stored row.
local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local lib = dofile(script_dir .. "lib.lua")

setup = lib.setup

local signature_length = 64

-- Thread state. init() only reads this thread's lines (its shard file when
-- make_requests wrote one, so a million lines load in a fraction of a
-- second: wrk starts the first thread while it still runs the second one's
-- init); request() builds the HTTP request with a few concatenations.
local opts
local lines = {}      -- this thread's lines, in order
local first_line = 0  -- file line number of lines[1]
local stride = 1      -- file line number of lines[k] = first_line + (k-1)*stride
local cursor = 0
local request_head = nil
local filler_request = nil
local verify_pending = false
pending = {}          -- X-Request-ID -> true, requests not yet answered
pending_count = 0
acked = 0             -- 200s to this script's own requests
sent = 0
fillers = 0
exhausted = false
exhausted_at = nil
stopped = false
unmatched = 0         -- responses whose X-Request-ID is not one of ours

function init(args)
  opts = lib.parse_args(args)
  local file = opts.file or opts[1]
  assert(file, "ingest.lua: file=<requests file> is required")
  local nthreads = tonumber(opts.threads or "")
  assert(nthreads and nthreads >= 1, "ingest.lua: threads=<wrk -t> is required")
  local limit = tonumber(opts.lines or "")
  local index = thread_index or 0
  assert(index < nthreads, "ingest.lua: more wrk threads than threads=" .. nthreads)
  local path = opts.path or BENCH_DEFAULT_PATH or "/webhook"
  opts.mode = opts.mode or BENCH_DEFAULT_MODE or "once"
  assert(opts.mode == "once" or opts.mode == "cycle", "ingest.lua: mode must be once or cycle")

  first_line, stride = index, nthreads
  local shard = io.open(file .. ".shard" .. nthreads .. "-" .. index, "rb")
  if shard then
    -- make_requests --shards T: shard i holds lines i, i+T, i+2T, …
    local n = index
    for line in shard:lines() do
      if limit and n >= limit then break end
      lines[#lines + 1] = line
      n = n + nthreads
    end
    shard:close()
  else
    local n = 0
    local f = assert(io.open(file, "rb"))
    for line in f:lines() do
      if limit and n >= limit then break end
      if n % nthreads == index then lines[#lines + 1] = line end
      n = n + 1
    end
    f:close()
  end
  assert(#lines > 0, "ingest.lua: thread " .. index .. " has no lines in " .. file)
  -- In cycle mode a line must never be in flight twice at once (one
  -- connection has one request in flight; a thread has at most -c/-t).
  assert(opts.mode == "once" or #lines >= 256,
    "ingest.lua: mode=cycle needs at least 256 lines per thread")

  local host = wrk.headers["Host"] or wrk.host
  request_head = "POST " .. path .. " HTTP/1.1\r\nHost: " .. host ..
    "\r\nContent-Type: application/json\r\nX-Signature: "
  filler_request = wrk.format("GET", "/health/live", { ["X-Request-ID"] = "wb-filler" })
  -- wrk calls request() once on the first thread, before the run, only to
  -- see whether requests are pipelined; that call must not use up a line.
  verify_pending = (index == 0)
  io.stderr:write(string.format("ingest.lua: thread %d loaded %d lines of %s%s (%s, %s)\n",
    index, #lines, file, shard and " (shard)" or "", path, opts.mode))
end

-- The request for lines[k], identified by X-Request-ID "wb-<file line>".
local function build(k, id)
  local line = lines[k]
  return request_head .. line:sub(1, signature_length) ..
    "\r\nX-Request-ID: " .. id ..
    "\r\nContent-Length: " .. (#line - signature_length - 1) ..
    "\r\n\r\n" .. line:sub(signature_length + 2)
end

local function stop_if_done()
  if stopped then return end
  if exhausted and (pending_count == 0 or os.time() - exhausted_at > 5) then
    stopped = true
    wrk.thread:stop()
    if opts.done_dir then
      local marker = io.open(opts.done_dir .. "/thread-" .. (thread_index or 0), "w")
      if marker then
        marker:write(string.format("sent=%d acked=%d pending=%d\n", sent, acked, pending_count))
        marker:close()
      end
    end
  end
end

function request()
  if verify_pending then
    verify_pending = false
    return build(1, "wb-verify")
  end
  if cursor >= #lines then
    if opts.mode == "cycle" then
      cursor = 0
    else
      if not exhausted then
        exhausted = true
        exhausted_at = os.time()
      end
      stop_if_done()
      fillers = fillers + 1
      return filler_request
    end
  end
  cursor = cursor + 1
  local id = "wb-" .. (first_line + (cursor - 1) * stride)
  pending[id] = true
  pending_count = pending_count + 1
  sent = sent + 1
  return build(cursor, id)
end

function response(status, hdrs, body)
  codes[status] = (codes[status] or 0) + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  local id = hdrs["X-Request-ID"] or lib.header(hdrs, "X-Request-ID")
  if id and pending[id] then
    pending[id] = nil
    pending_count = pending_count - 1
    if status == 200 then acked = acked + 1 end
  elseif id ~= "wb-filler" then
    unmatched = unmatched + 1
  end
  if exhausted then stop_if_done() end
end

function done(summary, latency, requests)
  local total_acked, total_sent, total_fillers, total_unmatched = 0, 0, 0, 0
  local unanswered = { __array = true }
  local all_exhausted = true
  local sent_by_thread = { __array = true }
  for _, t in ipairs(lib.threads) do
    total_acked = total_acked + (t:get("acked") or 0)
    total_sent = total_sent + (t:get("sent") or 0)
    sent_by_thread[#sent_by_thread + 1] = t:get("sent") or 0
    total_fillers = total_fillers + (t:get("fillers") or 0)
    total_unmatched = total_unmatched + (t:get("unmatched") or 0)
    all_exhausted = all_exhausted and (t:get("exhausted") == true)
    -- Requests still in flight when the thread stopped (wrk's timer, or
    -- the grace period of mode=once), as 0-based line numbers of the file.
    for id in pairs(t:get("pending") or {}) do
      unanswered[#unanswered + 1] = tonumber(tostring(id):match("^wb%-(%d+)$"))
    end
  end
  table.sort(unanswered)
  lib.report(summary, latency, {
    acked = total_acked,
    sent = total_sent,
    sent_by_thread = sent_by_thread,
    fillers = total_fillers,
    unmatched = total_unmatched,
    exhausted = all_exhausted,
    unanswered = unanswered,
  })
end
