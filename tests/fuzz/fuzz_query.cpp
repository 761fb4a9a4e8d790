// libFuzzer target: GET /messages query strings, as the route decodes them
// (restinio::try_parse_query with the relaxed rules), then parse_list_query,
// and since_lower_bound on every value and on the raw input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <restinio/all.hpp>

#include "core/list_query.hpp"
#include "core/timestamp.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

// The shape since_lower_bound promises: YYYY-MM-DDTHH:MM:SSZ.
bool canonical_shape(const std::string& s) {
  if (s.size() != 20) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    switch (i) {
      case 4: case 7: if (c != '-') return false; break;
      case 10: if (c != 'T') return false; break;
      case 13: case 16: if (c != ':') return false; break;
      case 19: if (c != 'Z') return false; break;
      default: if (c < '0' || c > '9') return false;
    }
  }
  return true;
}

void check_since(std::string_view value) {
  auto bound = webhookd::since_lower_bound(value);
  if (!bound) return;
  require(canonical_shape(*bound));
  // A canonical instant is its own lower bound.
  if (webhookd::is_canonical_utc_timestamp(*bound)) require(webhookd::since_lower_bound(*bound) == bound);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view query{reinterpret_cast<const char*>(data), size};
  check_since(query);

  auto parsed = restinio::try_parse_query<restinio::parse_query_traits::relaxed>(query);
  if (!parsed) return 0;
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& [name, value] : *parsed) {
    params.emplace_back(std::string{name}, std::string{value});
    check_since(value);
  }
  auto result = webhookd::parse_list_query(params);
  require(result.query.has_value() == result.errors.empty());
  if (result.query) {
    const auto& q = *result.query;
    require(q.limit >= 1 && q.limit <= 100);
    require(q.offset >= 0);
    if (q.since) require(canonical_shape(*q.since));
    if (q.from) require(!q.from->empty() && q.from->front() != ' ');
    // A NUL in from or q is refused (422), never searched for.
    if (q.from) require(q.from->find('\0') == std::string::npos);
    if (q.q) require(q.q->find('\0') == std::string::npos);
  }
  for (const auto& e : result.errors) {
    require(e.loc.size() == 2 && e.loc[0] == "query");
    require(e.loc[1] == "limit" || e.loc[1] == "offset" || e.loc[1] == "since" || e.loc[1] == "from" ||
            e.loc[1] == "q");
  }
  return 0;
}
