#include "core/utf8.hpp"

namespace webhookd {

namespace {

constexpr bool is_continuation(unsigned char c) { return (c & 0xC0U) == 0x80U; }

}  // namespace

std::size_t utf8_sequence_length(std::string_view bytes, std::size_t at) {
  const std::size_t n = bytes.size();
  if (at >= n) return 0;
  const auto lead = static_cast<unsigned char>(bytes[at]);
  std::size_t extra = 0;
  char32_t cp = 0;
  char32_t min_cp = 0;  // smallest value this length may encode (no overlongs)
  if (lead < 0x80U) {
    return 1;
  } else if ((lead & 0xE0U) == 0xC0U) {
    extra = 1;
    cp = lead & 0x1FU;
    min_cp = 0x80;
  } else if ((lead & 0xF0U) == 0xE0U) {
    extra = 2;
    cp = lead & 0x0FU;
    min_cp = 0x800;
  } else if ((lead & 0xF8U) == 0xF0U) {
    extra = 3;
    cp = lead & 0x07U;
    min_cp = 0x10000;
  } else {
    return 0;  // continuation byte without a lead, or 0xF8..0xFF
  }
  if (n - at <= extra) return 0;  // sequence cut off by the end
  for (std::size_t k = 1; k <= extra; ++k) {
    const auto c = static_cast<unsigned char>(bytes[at + k]);
    if (!is_continuation(c)) return 0;
    cp = (cp << 6) | (c & 0x3FU);
  }
  if (cp < min_cp) return 0;                    // overlong
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;  // surrogate half
  if (cp > 0x10FFFF) return 0;                  // beyond Unicode
  return extra + 1;
}

std::optional<std::size_t> utf8_code_points(std::string_view bytes) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < bytes.size(); ++count) {
    const std::size_t length = utf8_sequence_length(bytes, i);
    if (length == 0) return std::nullopt;
    i += length;
  }
  return count;
}

}  // namespace webhookd
