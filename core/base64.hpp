// Standard base64 (RFC 4648 section 4, with '=' padding), as Standard
// Webhooks uses it for its secrets and signatures.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace webhookd {

std::string base64_encode(std::string_view bytes);

// The decoded bytes, or nullopt unless `text` is canonical padded base64:
// a multiple of four characters from the standard alphabet, '=' only at the
// end, and no stray bits in the last group.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace webhookd
