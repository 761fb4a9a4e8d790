-- wrk script: GET /messages with query values drawn at random for every
-- request, so that no cache can serve a phase by remembering a few queries.
--
--   wrk -t2 -c64 -d10s --latency -s bench/get_random.lua http://127.0.0.1:PORT \
--       -- kind=since since_min=1704067200 since_max=1735689599
--
-- kind (one per phase; "mix" draws one of the others per request):
--   plain         /messages
--   offset        limit=100&offset=K,           K uniform in [0, rows)
--   since         since=T,                      T uniform in [since_min, since_max]
--   from          from=S,                       S uniform over the senders file
--   q             q=W,                          W uniform over the words file
--   short         q=W,                          W uniform over the 2-letter words file
--   absent        q=W,                          W uniform over the absent file
--   from_since    from=S&since=T
--   from_offset   limit=100&from=S&offset=K,    K uniform in [0, from_offset_max)
--   since_offset  limit=100&since=T&offset=K,   K uniform in [0, since_offset_max)
--   q_from        q=W&from=S
--   mix           one of the above per request, by weights (see mix_weights)
--
-- Arguments (key=value after wrk's "--"):
--   rows, since_min, since_max (Unix seconds; T is written YYYY-MM-DDTHH:MM:SSZ,
--   whole seconds, which needs no URL encoding), senders (E.164 numbers, one a
--   line; sent as %2B…), words, short, absent (make_vocabulary's files: the
--   first field of each line, already URL-encoded), from_offset_max (200),
--   since_offset_max (1000), weights (mix: "plain:10,offset:15,…", replacing
--   the defaults), seed (each thread seeds with seed + its index, so a run
--   repeats its draws).
--
-- kind=absent also checks every 200: its total must be 0 (absent_hits counts
-- those that were not). done() reports the requests drawn of each kind.
local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(script_dir .. "get.lua")
local lib = dofile(script_dir .. "lib.lua")

-- This script's own lib instance keeps the thread list that done() reads.
setup = lib.setup
local get_response = response

-- The mix's default weights, in percent: the read path as a client base
-- might use it (paging, polling since a time, one sender's history, search),
-- with a small share of searches that find nothing.
local default_weights = {
  { "plain", 10 }, { "offset", 15 }, { "since", 15 }, { "from", 15 },
  { "q", 10 }, { "short", 4 }, { "absent", 1 }, { "from_since", 10 },
  { "from_offset", 8 }, { "since_offset", 7 }, { "q_from", 5 },
}

local opts
local kind
local rows, since_min, since_max, from_offset_max, since_offset_max
local senders, words, short_words, absent_words = {}, {}, {}, {}
local mix_kinds, mix_cumulative, mix_total = {}, {}, 0
drawn = {}          -- kind -> requests built
absent_hits = 0     -- kind=absent: 200s whose total was not 0
absent_checked = 0

local function load_lines(path, transform)
  assert(path, "get_random.lua: a file argument is missing for kind=" .. kind)
  local list = {}
  for line in io.lines(path) do
    local first = line:match("^([^\t]+)")
    if first then list[#list + 1] = transform and transform(first) or first end
  end
  assert(#list > 0, "get_random.lua: " .. path .. " is empty")
  return list
end

local function pick(list) return list[math.random(1, #list)] end
local function sender() return pick(senders) end
local function since() return os.date("!%Y-%m-%dT%H:%M:%SZ", math.random(since_min, since_max)) end

local build = {
  plain = function() return "/messages" end,
  offset = function() return "/messages?limit=100&offset=" .. math.random(0, rows - 1) end,
  since = function() return "/messages?since=" .. since() end,
  from = function() return "/messages?from=" .. sender() end,
  q = function() return "/messages?q=" .. pick(words) end,
  short = function() return "/messages?q=" .. pick(short_words) end,
  absent = function() return "/messages?q=" .. pick(absent_words) end,
  from_since = function() return "/messages?from=" .. sender() .. "&since=" .. since() end,
  from_offset = function()
    return "/messages?limit=100&from=" .. sender() .. "&offset=" .. math.random(0, from_offset_max - 1)
  end,
  since_offset = function()
    return "/messages?limit=100&since=" .. since() .. "&offset=" .. math.random(0, since_offset_max - 1)
  end,
  q_from = function() return "/messages?q=" .. pick(words) .. "&from=" .. sender() end,
}

-- What each kind needs loaded or given.
local needs = {
  offset = { "rows" }, since = { "since" }, from = { "senders" }, q = { "words" }, short = { "short" },
  absent = { "absent" }, from_since = { "senders", "since" }, from_offset = { "senders" },
  since_offset = { "since" }, q_from = { "words", "senders" }, plain = {},
}

local function parse_weights(text)
  local list = {}
  for name, weight in text:gmatch("([%w_]+):(%d+)") do list[#list + 1] = { name, tonumber(weight) } end
  return list
end

local function prepare(name, loaded)
  for _, need in ipairs(needs[name]) do
    if not loaded[need] then
      loaded[need] = true
      if need == "rows" then
        rows = math.floor(tonumber(opts.rows or "") or 0)
        assert(rows >= 1, "get_random.lua: rows=<table rows> is required")
      elseif need == "since" then
        since_min = math.floor(tonumber(opts.since_min or "") or -1)
        since_max = math.floor(tonumber(opts.since_max or "") or -1)
        assert(since_min >= 0 and since_max >= since_min, "get_random.lua: since_min and since_max are required")
      elseif need == "senders" then
        senders = load_lines(opts.senders, function(s) return (s:gsub("^%+", "%%2B")) end)
      elseif need == "words" then
        words = load_lines(opts.words)
      elseif need == "short" then
        short_words = load_lines(opts.short)
      elseif need == "absent" then
        absent_words = load_lines(opts.absent)
      end
    end
  end
end

function init(args)
  opts = lib.parse_args(args)
  kind = opts.kind or "mix"
  from_offset_max = math.floor(tonumber(opts.from_offset_max or "200"))
  since_offset_max = math.floor(tonumber(opts.since_offset_max or "1000"))
  local loaded = {}
  if kind == "mix" then
    local weights = opts.weights and parse_weights(opts.weights) or default_weights
    for _, entry in ipairs(weights) do
      local name, weight = entry[1], entry[2]
      assert(build[name], "get_random.lua: unknown kind in weights: " .. name)
      if weight > 0 then
        prepare(name, loaded)
        mix_total = mix_total + weight
        mix_kinds[#mix_kinds + 1] = name
        mix_cumulative[#mix_cumulative + 1] = mix_total
      end
    end
    assert(mix_total > 0, "get_random.lua: the mix has no weight")
  else
    assert(build[kind], "get_random.lua: unknown kind " .. kind)
    prepare(kind, loaded)
  end
  math.randomseed(tonumber(opts.seed or "20261201") + 7919 * (thread_index or 0))
  wrk.method = "GET"
  wrk.body = nil
end

local function draw_kind()
  if kind ~= "mix" then return kind end
  local u = math.random(1, mix_total)
  for i = 1, #mix_cumulative do
    if u <= mix_cumulative[i] then return mix_kinds[i] end
  end
  return mix_kinds[#mix_kinds]
end

function request()
  local k = draw_kind()
  drawn[k] = (drawn[k] or 0) + 1
  return wrk.format("GET", build[k]())
end

function response(status, headers, body)
  get_response(status, headers, body)
  if kind == "absent" and status == 200 then
    absent_checked = absent_checked + 1
    if not (body or ""):find('"total":0[,}]') then absent_hits = absent_hits + 1 end
  end
end

function done(summary, latency, requests)
  local first = lib.threads[1] and lib.threads[1]:get("sample")
  if first then io.write("@@sample ", (first:gsub("\n", " ")), "\n") end
  local kinds, hits, checked = {}, 0, 0
  for _, t in ipairs(lib.threads) do
    for k, n in pairs(t:get("drawn") or {}) do kinds[k] = (kinds[k] or 0) + n end
    hits = hits + (t:get("absent_hits") or 0)
    checked = checked + (t:get("absent_checked") or 0)
  end
  -- done() runs in wrk's main Lua state, where init() never ran: the kind
  -- is not known here, so the absent check's counts are always reported.
  lib.report(summary, latency, { drawn = kinds, absent_hits = hits, absent_checked = checked })
end
