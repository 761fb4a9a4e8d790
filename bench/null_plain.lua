-- wrk script: POST /_bench/null with one fixed request and no Lua at run
-- time (no request() or response() function): the cheapest client wrk can
-- be. bench/run.sh reports it next to null.lua to show what the per-request
-- bookkeeping of the scripted phases costs the client; ratios are taken to
-- null.lua, which does the same client work as ingest.lua.
--
--   wrk -t2 -c64 -d10s --latency -s bench/null_plain.lua http://127.0.0.1:PORT
--       [-- file=/tmp/requests.tsv]   (the body and signature of its first line)
local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local lib = dofile(script_dir .. "lib.lua")

setup = lib.setup

wrk.method = "POST"
wrk.path = "/_bench/null"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"message_id":"plain-0","from":"+919876543210","to":"+14155551000",'
  .. '"ts":"2024-04-21T14:43:35Z","text":"Hello, your order is on its way"}'
wrk.headers["X-Signature"] = string.rep("0", 64)

function init(args)
  local opts = lib.parse_args(args)
  if opts.file then
    local f = assert(io.open(opts.file, "rb"))
    local line = f:read("*l")
    f:close()
    wrk.headers["X-Signature"] = line:sub(1, 64)
    wrk.body = line:sub(66)
  end
end

-- Without response(), status codes come from wrk's own count of answers
-- >= 400 ("Non-2xx or 3xx responses").
function done(summary, latency, requests)
  lib.report(summary, latency, { non2xx = summary.errors.status })
end
