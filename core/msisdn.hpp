// Phone numbers in E.164 form, as the webhook contract requires for from/to.
#pragma once

#include <string_view>

namespace webhookd {

// '+' followed by 1 to 15 ASCII digits, and nothing else (no spaces, no
// separators, no trailing newline).
bool is_e164(std::string_view s);

}  // namespace webhookd
