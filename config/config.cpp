#include "config/config.hpp"

#include <unistd.h>

#include <cctype>

namespace webhookd {

namespace {

constexpr std::string_view default_database_url = "sqlite:///data/app.db";

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string_view> read(const getenv_function& getenv, const char* name) {
  return read_env(getenv, name);
}

// Decimal 1..65535, digits only (leading zeros allowed).
std::optional<std::uint16_t> parse_port(std::string_view s) {
  if (s.empty()) return std::nullopt;
  unsigned long value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned long>(c - '0');
    if (value > 65535) return std::nullopt;  // stop before any overflow
  }
  if (value == 0) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<std::string_view> read_env(const getenv_function& getenv, const char* name) {
  const char* value = getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string_view(value);
}

std::optional<std::string> database_path_from_url(std::string_view url) {
  // URL schemes are case-insensitive; the three slashes are an empty host
  // (SQLAlchemy form). What follows is the path, absolute when it starts with
  // another '/'. It is taken literally: no percent-decoding.
  constexpr std::string_view prefix = "sqlite:///";
  if (url.size() < prefix.size() || !iequals(url.substr(0, prefix.size()), prefix)) {
    return std::nullopt;
  }
  const std::string_view path = url.substr(prefix.size());
  if (path.empty() || path.back() == '/') return std::nullopt;  // no file name
  if (path.find('\0') != std::string_view::npos) return std::nullopt;
  // A query string would be SQLAlchemy driver options we do not support;
  // silently using "app.db?mode=ro" as a file name would be worse.
  if (path.find('?') != std::string_view::npos) return std::nullopt;
  // An in-memory database would lose every message on restart.
  if (path == ":memory:") return std::nullopt;
  return std::string(path);
}

std::optional<log_level> parse_log_level(std::string_view s) {
  if (iequals(s, "DEBUG")) return log_level::debug;
  if (iequals(s, "INFO")) return log_level::info;
  if (iequals(s, "WARNING") || iequals(s, "WARN")) return log_level::warning;
  if (iequals(s, "ERROR")) return log_level::error;
  return std::nullopt;
}

std::string_view to_string(log_level level) {
  switch (level) {
    case log_level::debug: return "DEBUG";
    case log_level::info: return "INFO";
    case log_level::warning: return "WARNING";
    case log_level::error: return "ERROR";
  }
  return "INFO";  // unreachable; keeps -Wreturn-type quiet
}

// FULL -> true, NORMAL -> false, case-insensitive.
std::optional<bool> parse_synchronous(std::string_view raw) {
  std::string upper;
  for (char c : raw) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (upper == "FULL") return true;
  if (upper == "NORMAL") return false;
  return std::nullopt;
}

std::optional<std::size_t> parse_decimal(std::string_view raw, std::size_t low, std::size_t high) {
  if (raw.empty() || raw.size() > 9) return std::nullopt;
  std::size_t value = 0;
  for (char c : raw) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  if (value < low || value > high) return std::nullopt;
  return value;
}

namespace {

constexpr std::size_t max_instance_name = 63;

bool instance_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

}  // namespace

bool valid_instance_name(std::string_view name) {
  if (name.empty() || name.size() > max_instance_name) return false;
  for (char c : name)
    if (!instance_name_char(c)) return false;
  return true;
}

std::string instance_name_from_hostname(std::string_view hostname) {
  std::string name;
  for (char c : hostname.substr(0, max_instance_name)) name.push_back(instance_name_char(c) ? c : '-');
  return name.empty() ? "webhookd" : name;
}

std::variant<config, config_error> load_config(const getenv_function& getenv) {
  config cfg;

  const std::string_view url = read(getenv, "DATABASE_URL").value_or(default_database_url);
  if (auto path = database_path_from_url(url)) {
    cfg.database_path = std::move(*path);
  } else if (auto target = postgres_target_from_url(url)) {
    cfg.postgres = std::move(*target);
  } else {
    return config_error{"DATABASE_URL",
                        "must be sqlite:////absolute/path.db or sqlite:///relative/path.db "
                        "(a file path; no host, query string or :memory:), or "
                        "postgresql://user:password@host:port/dbname[?sslmode=...]"};
  }

  if (const auto raw = read(getenv, "LOG_LEVEL")) {
    const auto level = parse_log_level(*raw);
    if (!level) {
      return config_error{"LOG_LEVEL", "must be one of DEBUG, INFO, WARNING, ERROR"};
    }
    cfg.level = *level;
  }

  if (const auto raw = read(getenv, "PORT")) {
    const auto port = parse_port(*raw);
    if (!port) {
      return config_error{"PORT", "must be a decimal port number from 1 to 65535"};
    }
    cfg.port = *port;
  }

  if (const auto raw = read(getenv, "HOST")) cfg.host = std::string(*raw);

  if (const auto raw = read(getenv, "INSTANCE_NAME")) {
    if (!valid_instance_name(*raw))
      return config_error{"INSTANCE_NAME", "must be 1 to 63 characters of A-Z, a-z, 0-9, '.', '_' and '-'"};
    cfg.instance_name = std::string(*raw);
  } else {
    char host[256] = {};
    cfg.instance_name = instance_name_from_hostname(gethostname(host, sizeof host - 1) == 0 ? host : "");
  }

  if (const auto raw = read(getenv, "WEBHOOK_SECRET")) cfg.webhook_secret = std::string(*raw);

  for (auto [name, flag] : {std::pair{"WEBHOOKD_BENCH_ROUTES", &cfg.bench_routes},
                            std::pair{"DEBUG_ENDPOINTS", &cfg.debug_endpoints},
                            std::pair{"DOCS_ENDPOINTS", &cfg.docs_endpoints}}) {
    if (const auto raw = read(getenv, name)) {
      if (*raw != "0" && *raw != "1") return config_error{name, "must be 0 or 1"};
      *flag = *raw == "1";
    }
  }

  if (const auto raw = read(getenv, "DRAIN_DELAY_MS")) {
    const auto delay = parse_decimal(*raw, 0, 30000);
    if (!delay) return config_error{"DRAIN_DELAY_MS", "must be a whole number of milliseconds from 0 to 30000"};
    cfg.drain_delay_ms = static_cast<std::uint32_t>(*delay);
  }

  if (const auto raw = read(getenv, "SQLITE_SYNCHRONOUS")) {
    auto level = parse_synchronous(*raw);
    if (!level) return config_error{"SQLITE_SYNCHRONOUS", "must be FULL or NORMAL"};
    cfg.synchronous_full = *level;
  }

  if (auto error = load_receiver_settings(getenv, cfg)) return *error;
  return cfg;
}

}  // namespace webhookd
