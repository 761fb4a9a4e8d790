#include "core/msisdn.hpp"

namespace webhookd {

bool is_e164(std::string_view s) {
  if (s.size() < 2 || s.size() > 16 || s.front() != '+') return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

}  // namespace webhookd
