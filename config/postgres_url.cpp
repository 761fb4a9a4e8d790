// DATABASE_URL=postgresql://… read into libpq's keyword/value form. The parse
// is ours (not libpq's PQconninfoParse) so that config/ needs no backend
// library and a malformed URL is refused at start with the usual one-line
// error, before any connection is tried.
#include "config/config.hpp"

#include <cctype>
#include <initializer_list>

namespace webhookd {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoding; nullopt for a broken escape or a decoded NUL byte.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (out.find('\0') != std::string::npos) return std::nullopt;
  return out;
}

bool all_digits(std::string_view s, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool valid_port(std::string_view s) {
  if (!all_digits(s, 5)) return false;
  unsigned long value = 0;
  for (char c : s) value = value * 10 + static_cast<unsigned long>(c - '0');
  return value >= 1 && value <= 65535;
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed)
    if (value == a) return true;
  return false;
}

// libpq's keyword='value' quoting: backslash and single quote escaped.
void append_keyword(std::string& conninfo, std::string_view keyword, std::string_view value) {
  if (!conninfo.empty()) conninfo.push_back(' ');
  conninfo.append(keyword);
  conninfo.append("='");
  for (char c : value) {
    if (c == '\\' || c == '\'') conninfo.push_back('\\');
    conninfo.push_back(c);
  }
  conninfo.push_back('\'');
}

// Query parameters we pass on to libpq: the ones a deployment needs (TLS,
// a socket directory, a timeout, a name in pg_stat_activity). Anything else
// is refused rather than silently ignored.
const std::initializer_list<std::string_view> passed_parameters = {
  "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name", "host", "port",
  "target_session_attrs"};

}  // namespace

std::optional<postgres_target> postgres_target_from_url(std::string_view url) {
  std::string_view rest;
  if (starts_with_nocase(url, "postgresql://"))
    rest = url.substr(13);
  else if (starts_with_nocase(url, "postgres://"))
    rest = url.substr(11);
  else
    return std::nullopt;
  if (rest.find('\0') != std::string_view::npos || rest.find('#') != std::string_view::npos) return std::nullopt;

  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string_view userinfo;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  // rest is now host[:port], the host possibly [IPv6].
  std::string_view host = rest, port;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    port = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!port.empty()) {
      if (port.front() != ':') return std::nullopt;
      port = port.substr(1);
    }
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  // One host only: a comma list (libpq's failover form) is not supported.
  if (host.find(',') != std::string_view::npos) return std::nullopt;
  if (!port.empty() && !valid_port(port)) return std::nullopt;

  postgres_target target;
  std::string user, password, shown_host;
  bool has_password = false;
  if (!userinfo.empty()) {
    auto colon = userinfo.find(':');
    auto decoded_user = percent_decode(userinfo.substr(0, colon));
    if (!decoded_user) return std::nullopt;
    user = *decoded_user;
    if (colon != std::string_view::npos) {
      auto decoded_password = percent_decode(userinfo.substr(colon + 1));
      if (!decoded_password) return std::nullopt;
      password = *decoded_password;
      has_password = true;
    }
  }
  auto decoded_host = percent_decode(host);
  auto dbname = percent_decode(path);
  if (!decoded_host || !dbname || dbname->find('/') != std::string::npos) return std::nullopt;

  std::string conninfo;
  if (!decoded_host->empty()) append_keyword(conninfo, "host", *decoded_host);
  if (!port.empty()) append_keyword(conninfo, "port", port);
  if (!dbname->empty()) append_keyword(conninfo, "dbname", *dbname);
  if (!user.empty()) append_keyword(conninfo, "user", user);
  if (has_password) append_keyword(conninfo, "password", password);

  std::string shown_query;
  bool has_timeout = false, has_name = false;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    auto key = pair.substr(0, eq);
    auto value = percent_decode(pair.substr(eq + 1));
    if (!value || value->empty() || !one_of(key, passed_parameters)) return std::nullopt;
    if (key == "sslmode" && !one_of(*value, {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}))
      return std::nullopt;
    if (key == "connect_timeout" && !all_digits(*value, 4)) return std::nullopt;
    if (key == "port" && !valid_port(*value)) return std::nullopt;
    has_timeout = has_timeout || key == "connect_timeout";
    has_name = has_name || key == "application_name";
    append_keyword(conninfo, key, *value);
    shown_query += (shown_query.empty() ? "?" : "&") + std::string(key) + "=" + *value;
  }
  // An unreachable host must not hold the storage actor for libpq's default
  // (forever): a failed connect is retried by the actor anyway.
  if (!has_timeout) append_keyword(conninfo, "connect_timeout", "3");
  if (!has_name) append_keyword(conninfo, "application_name", "webhookd");
  // A connection cut without a FIN (a host gone, a cable pulled) is found in
  // seconds rather than the kernel's two hours.
  append_keyword(conninfo, "keepalives", "1");
  append_keyword(conninfo, "keepalives_idle", "5");
  append_keyword(conninfo, "keepalives_interval", "2");
  append_keyword(conninfo, "keepalives_count", "3");

  target.conninfo = std::move(conninfo);
  // What logs and /debug may show: everything but the password.
  target.display = "postgresql://";
  if (!user.empty()) target.display += user + (has_password ? ":***@" : "@");
  target.display += host.find(':') != std::string_view::npos ? "[" + *decoded_host + "]" : *decoded_host;
  if (!port.empty()) target.display += ":" + std::string(port);
  target.display += "/" + *dbname + shown_query;
  return target;
}

}  // namespace webhookd
