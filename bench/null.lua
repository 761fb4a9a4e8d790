-- wrk script: the yardstick. POST /_bench/null (served only with
-- WEBHOOKD_BENCH_ROUTES=1: one actor round trip, no work, 200).
--
--   wrk -t2 -c64 -d10s --latency -s bench/null.lua http://127.0.0.1:PORT \
--       -- file=/tmp/unique.tsv threads=2
--
-- It is ingest.lua with another path and mode=cycle: the same signed bodies,
-- headers and response bookkeeping, so the client (which shares the 2 cores
-- with the server) spends the same effort per request as in the ingest
-- phases, and the ratio of a phase to this one measures the server's work.
BENCH_DEFAULT_PATH = "/_bench/null"
BENCH_DEFAULT_MODE = "cycle"
local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(script_dir .. "ingest.lua")
