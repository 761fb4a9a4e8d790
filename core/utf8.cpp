#include "core/utf8.hpp"

namespace webhookd {

namespace {

constexpr bool is_continuation(unsigned char c) { return (c & 0xC0U) == 0x80U; }

}  // namespace

std::optional<std::size_t> utf8_code_points(std::string_view bytes) {
  std::size_t count = 0;
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    std::size_t extra = 0;
    char32_t cp = 0;
    char32_t min_cp = 0;  // smallest value this length may encode (no overlongs)
    if (lead < 0x80U) {
      ++i;
      ++count;
      continue;
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
      return std::nullopt;  // continuation byte without a lead, or 0xF8..0xFF
    }
    if (n - i <= extra) return std::nullopt;  // sequence cut off by the end
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(bytes[i + k]);
      if (!is_continuation(c)) return std::nullopt;
      cp = (cp << 6) | (c & 0x3FU);
    }
    if (cp < min_cp) return std::nullopt;                    // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return std::nullopt;  // surrogate half
    if (cp > 0x10FFFF) return std::nullopt;                  // beyond Unicode
    i += extra + 1;
    ++count;
  }
  return count;
}

}  // namespace webhookd
