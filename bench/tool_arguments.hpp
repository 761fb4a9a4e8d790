// Command-line values shared by the bench tools (make_requests,
// make_database, make_vocabulary): each tool reports a bad value through its
// own usage(), these only say whether a value is good.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace webhookd::bench {

// A non-negative decimal integer, all of `s`; nullopt otherwise ("-1" too,
// which strtoull would wrap around).
inline std::optional<std::uint64_t> parse_count(const char* s) {
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || *s == '-') return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

// A message_id prefix: [A-Za-z0-9._-], so ids need no JSON or SQL escaping.
inline bool valid_prefix(std::string_view prefix) {
  for (char c : prefix) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace webhookd::bench
