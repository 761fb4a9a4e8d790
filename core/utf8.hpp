// Strict UTF-8 validation; length limits in the contract are in code points.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace webhookd {

// Number of Unicode code points in `bytes`, or nullopt when the bytes are not
// well-formed UTF-8 (overlong forms, UTF-16 surrogates, values above
// U+10FFFF, stray continuation bytes and truncated sequences are all rejected).
std::optional<std::size_t> utf8_code_points(std::string_view bytes);

// Length in bytes (1 to 4) of the well-formed UTF-8 sequence that starts at
// bytes[at], or 0 when none starts there (same rules as utf8_code_points).
std::size_t utf8_sequence_length(std::string_view bytes, std::size_t at);

}  // namespace webhookd
