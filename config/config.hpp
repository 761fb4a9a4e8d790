// Service configuration, read once at startup from the environment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace webhookd {

enum class log_level { debug, info, warning, error };

// A PostgreSQL database named by DATABASE_URL=postgresql://….
struct postgres_target {
  std::string conninfo;  // libpq keyword/value form; holds the password: never log it
  std::string display;   // the URL with the password replaced by ***: for logs
};

struct config {
  std::string database_path;                  // SQLite: filesystem path from DATABASE_URL
  std::optional<postgres_target> postgres;    // PostgreSQL instead (database_path empty)
  std::optional<std::string> webhook_secret;  // nullopt when unset or empty
  log_level level = log_level::info;
  std::string host = "0.0.0.0";
  std::uint16_t port = 8000;
  // INSTANCE_NAME, else the host name: which replica wrote a log line (field
  // `instance`) or a metric (webhookd_instance_info). 1-63 of [A-Za-z0-9._-].
  std::string instance_name;
  // DRAIN_DELAY_MS (0-30000, default 0): after SIGTERM, how long /health/ready
  // answers 503 while requests are still served, before the listener closes;
  // longer than the load balancer's health-check interval (cluster: 1500).
  std::uint32_t drain_delay_ms = 0;
  // WEBHOOKD_BENCH_ROUTES=1 adds /_bench/null, the benchmark's yardstick.
  bool bench_routes = false;
  // DEBUG_ENDPOINTS=1 adds GET /debug/actors (actor figures for `webhookd inspect`).
  bool debug_endpoints = false;
  // SQLITE_SYNCHRONOUS=NORMAL trades power-loss durability of the last commits
  // for speed (a process crash still loses nothing). FULL is the default.
  bool synchronous_full = true;

  // Secret rotation: each scheme accepts its previous secret beside the
  // current one until the operator removes it (config/receivers.cpp).
  std::optional<std::string> webhook_secret_previous;  // WEBHOOK_SECRET_PREVIOUS
  // Standard Webhooks on POST /webhook: the key bytes of the whsec_ secrets.
  std::optional<std::string> standard_webhooks_key;           // STANDARD_WEBHOOKS_SECRET
  std::optional<std::string> standard_webhooks_key_previous;  // ..._PREVIOUS
  // The WhatsApp Cloud API receiver exists only when both are set.
  std::optional<std::string> whatsapp_app_secret;           // WHATSAPP_APP_SECRET
  std::optional<std::string> whatsapp_app_secret_previous;  // ..._PREVIOUS
  std::optional<std::string> whatsapp_verify_token;         // WHATSAPP_VERIFY_TOKEN
  // Meta sends notifications in batches: its own body limit, not /webhook's 64 KiB.
  std::size_t whatsapp_max_body = 1024 * 1024;  // WHATSAPP_MAX_BODY_BYTES
  // DOCS_ENDPOINTS=0 removes GET /docs and GET /redoc (and their assets).
  bool docs_endpoints = true;

  // True when POST /webhook has a secret of either scheme to check against.
  bool webhook_configured() const { return webhook_secret || standard_webhooks_key; }
  bool whatsapp_configured() const { return whatsapp_app_secret.has_value(); }
  // The database as logs may name it (never a password).
  std::string database_display() const { return postgres ? postgres->display : database_path; }
};

// Why startup cannot continue. `problem` describes the expected form and never
// repeats the value given: a DATABASE_URL can hold credentials, and nothing
// here may ever print the webhook secret.
struct config_error {
  std::string variable;
  std::string problem;
};

using getenv_function = std::function<const char*(const char*)>;

// getenv is injected so tests do not touch the process environment; it
// returns nullptr for an unset variable. An empty value counts as unset for
// every variable. The first problem found is returned, checking DATABASE_URL,
// LOG_LEVEL, PORT in that order, then the flags, then the receivers' secrets.
std::variant<config, config_error> load_config(const getenv_function& getenv);

// The secrets and settings of the signature schemes and the WhatsApp
// receiver (config/receivers.cpp); nullopt when all are well formed.
std::optional<config_error> load_receiver_settings(const getenv_function& getenv, config& cfg);

// The variable's value, or nullopt when unset or empty: an empty value is what
// compose passes through for a variable the caller did not set.
std::optional<std::string_view> read_env(const getenv_function& getenv, const char* name);

// "sqlite:////abs/p.db" -> "/abs/p.db", "sqlite:///rel/p.db" -> "rel/p.db";
// nullopt when malformed (other scheme, a host, an empty path, a path ending
// in '/', ":memory:", a NUL byte, a query string).
std::optional<std::string> database_path_from_url(std::string_view url);

// "postgresql://user:pw@host:port/db?sslmode=require" (or postgres://) ->
// libpq's keyword/value form (config/postgres_url.cpp); nullopt when
// malformed (a broken %-escape, a bad port, several hosts, a query parameter
// other than sslmode, sslrootcert, sslcert, sslkey, connect_timeout,
// application_name, host, port, target_session_attrs, or a bad sslmode).
std::optional<postgres_target> postgres_target_from_url(std::string_view url);

// The host name cut to an instance name: characters outside [A-Za-z0-9._-]
// become '-', at most 63 of them, "webhookd" when none is left.
std::string instance_name_from_hostname(std::string_view hostname);
// True for 1-63 characters of [A-Za-z0-9._-].
bool valid_instance_name(std::string_view name);

// Decimal digits only (at most 9) within [low, high]; nullopt otherwise.
std::optional<std::size_t> parse_decimal(std::string_view raw, std::size_t low, std::size_t high);

// Case-insensitive DEBUG / INFO / WARNING (or WARN) / ERROR.
std::optional<log_level> parse_log_level(std::string_view s);

// "DEBUG", "INFO", "WARNING" or "ERROR".
std::string_view to_string(log_level level);

}  // namespace webhookd
