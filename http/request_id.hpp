// X-Request-ID: reuse a sane incoming one, otherwise make a unique one.
#pragma once

#include <string>
#include <string_view>

namespace webhookd {

// 1..128 characters of [A-Za-z0-9._:-]: safe to echo in a header and a log.
bool is_sane_request_id(std::string_view id);

// 32 random hex digits (128 bits from a per-thread generator seeded from the OS).
std::string new_request_id();

}  // namespace webhookd
