-- wrk script: GET /messages pages at random offsets, so that most rows a
-- request returns were not read recently (the query actors' row cache
-- mostly misses, unlike a phase that asks for one page over and over).
--
--   wrk -t2 -c64 -d10s --latency -s bench/get_spread.lua http://127.0.0.1:PORT \
--       -- '/messages?limit=50' spread=999950
--
-- Each request appends &offset=K, K uniform in [0, spread), from a generator
-- seeded with the thread's index, so a run is repeatable. Status counting,
-- the sample and the @@result line are get.lua's.
local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(script_dir .. "get.lua")
local lib = dofile(script_dir .. "lib.lua")

local get_init = init
local target, spread

function init(args)
  get_init(args)
  local opts = lib.parse_args(args)
  target = opts.path or opts[1] or wrk.path
  spread = math.max(1, math.floor(tonumber(opts.spread or "1")))
  math.randomseed(20261130 + (thread_index or 0))
end

function request()
  return wrk.format("GET", target .. "&offset=" .. math.random(0, spread - 1))
end
