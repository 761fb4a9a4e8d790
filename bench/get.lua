-- wrk script: GET one path and query, e.g. the /messages variants and /stats.
--
--   wrk -t2 -c64 -d10s --latency -s bench/get.lua http://127.0.0.1:PORT \
--       -- '/messages?limit=50&offset=500000'
--
-- The first argument (or path=…) is the request target, already URL-encoded
-- (a sender is written %2B…). Without it the URL's own path is used. Status
-- codes are counted in response() (as in every script here, so that the
-- client's cost per response is the same in all phases); done() prints the
-- @@result line, with the "total" of the first 200's body when it has one,
-- and one @@sample line with the start of that body, so the run log shows
-- what the phase actually returned.
local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local lib = dofile(script_dir .. "lib.lua")

setup = lib.setup

sample = nil
sample_total = nil

function init(args)
  local opts = lib.parse_args(args)
  local target = opts.path or opts[1]
  if target then
    wrk.path = target
  end
  wrk.method = "GET"
  wrk.body = nil
end

-- The first 200 is the sample; the first answer at all until there is one.
local sample_is_200 = false

function response(status, headers, body)
  lib.count_status(status)
  if not sample_is_200 and (sample == nil or status == 200) then
    sample_is_200 = status == 200
    sample = string.format("%d %s", status, (body or ""):sub(1, 400))
    sample_total = tonumber((body or ""):match('"total"%s*:%s*(%d+)'))
  end
end

function done(summary, latency, requests)
  local first = lib.threads[1] and lib.threads[1]:get("sample")
  if first then io.write("@@sample ", (first:gsub("\n", " ")), "\n") end
  local total = lib.threads[1] and lib.threads[1]:get("sample_total")
  lib.report(summary, latency, { total = total })
end
