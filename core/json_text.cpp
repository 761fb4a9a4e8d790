#include "core/json_text.hpp"

#include "core/utf8.hpp"

namespace webhookd {

namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

// The bytes that cannot be copied as they are.
constexpr bool needs_care(unsigned char c) { return c < 0x20U || c == '"' || c == '\\' || c >= 0x80U; }

void append_escaped_control(std::string& out, unsigned char c) {
  switch (c) {
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
      constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[c >> 4U]);
      out.push_back(hex[c & 0xFU]);
    }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view value) {
  out.push_back('"');
  std::size_t i = 0;
  const std::size_t n = value.size();
  while (i < n) {
    // Copy the longest run of plain ASCII at once.
    std::size_t run = i;
    while (run < n && !needs_care(static_cast<unsigned char>(value[run]))) ++run;
    out.append(value.data() + i, run - i);
    i = run;
    if (i == n) break;
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80U) {
      const std::size_t length = utf8_sequence_length(value, i);
      if (length == 0) {
        out.append(replacement_character);
        ++i;
      } else {
        out.append(value.data() + i, length);
        i += length;
      }
    } else if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else {
      append_escaped_control(out, c);
      ++i;
    }
  }
  out.push_back('"');
}

void append_json_string_or_null(std::string& out, const std::optional<std::string>& value) {
  if (value) {
    append_json_string(out, *value);
  } else {
    out += "null";
  }
}

void append_json_int(std::string& out, std::int64_t value) { out += std::to_string(value); }

}  // namespace webhookd
