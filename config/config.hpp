// Service configuration, read once at startup from the environment.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace webhookd {

enum class log_level { debug, info, warning, error };

struct config {
  std::string database_path;                  // filesystem path from DATABASE_URL
  std::optional<std::string> webhook_secret;  // nullopt when unset or empty
  log_level level = log_level::info;
  std::string host = "0.0.0.0";
  std::uint16_t port = 8000;
  // WEBHOOKD_BENCH_ROUTES=1 adds /_bench/null, the benchmark's yardstick.
  bool bench_routes = false;
  // DEBUG_ENDPOINTS=1 adds GET /debug/actors (actor figures for `webhookd inspect`).
  bool debug_endpoints = false;
  // SQLITE_SYNCHRONOUS=NORMAL trades power-loss durability of the last commits
  // for speed (a process crash still loses nothing). FULL is the default.
  bool synchronous_full = true;
};

// Why startup cannot continue. `problem` describes the expected form and never
// repeats the value given: a DATABASE_URL can hold credentials, and nothing
// here may ever print the webhook secret.
struct config_error {
  std::string variable;
  std::string problem;
};

// getenv is injected so tests do not touch the process environment; it
// returns nullptr for an unset variable. An empty value counts as unset for
// every variable. The first problem found is returned, checking DATABASE_URL,
// LOG_LEVEL, PORT in that order.
std::variant<config, config_error> load_config(
    const std::function<const char*(const char*)>& getenv);

// "sqlite:////abs/p.db" -> "/abs/p.db", "sqlite:///rel/p.db" -> "rel/p.db";
// nullopt when malformed (other scheme, a host, an empty path, a path ending
// in '/', ":memory:", a NUL byte, a query string).
std::optional<std::string> database_path_from_url(std::string_view url);

// Case-insensitive DEBUG / INFO / WARNING (or WARN) / ERROR.
std::optional<log_level> parse_log_level(std::string_view s);

// "DEBUG", "INFO", "WARNING" or "ERROR".
std::string_view to_string(log_level level);

}  // namespace webhookd
