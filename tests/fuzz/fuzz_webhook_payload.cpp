// libFuzzer target: the POST /webhook body validator on arbitrary bytes.
// Besides "no crash, no sanitizer report" it checks the validator's promises:
// a record only without errors, every accepted field within the SPEC rules,
// errors in field order with a loc, and a 422 body that always serialises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/field_error.hpp"
#include "core/msisdn.hpp"
#include "core/timestamp.hpp"
#include "core/utf8.hpp"
#include "core/webhook_payload.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

int field_rank(const std::vector<std::string>& loc) {
  if (loc.size() == 1) return -1;  // ["body"]: the body itself
  static const char* order[] = {"message_id", "from", "to", "ts", "text"};
  for (int i = 0; i < 5; ++i)
    if (loc.size() == 2 && loc[1] == order[i]) return i;
  std::abort();  // an unknown loc
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body{reinterpret_cast<const char*>(data), size};
  auto parsed = webhookd::parse_webhook_payload(body);

  require(parsed.record.has_value() == parsed.errors.empty());
  if (parsed.record) {
    const auto& r = *parsed.record;
    auto id_length = webhookd::utf8_code_points(r.message_id);
    require(id_length && *id_length >= 1 && *id_length <= 256);
    require(webhookd::is_e164(r.from) && webhookd::is_e164(r.to));
    require(webhookd::is_canonical_utc_timestamp(r.ts));
    if (r.text) {
      auto text_length = webhookd::utf8_code_points(*r.text);
      require(text_length && *text_length <= 4096);
    }
    require(parsed.message_id && *parsed.message_id == r.message_id);
  }
  int previous = -2;
  for (const auto& e : parsed.errors) {
    require(!e.type.empty() && !e.msg.empty());
    require(!e.loc.empty() && e.loc[0] == "body");
    int rank = field_rank(e.loc);
    require(rank > previous);  // field order, one entry per field
    previous = rank;
  }
  if (!parsed.errors.empty()) {
    auto text = webhookd::validation_error_body(parsed.errors)
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    require(text.rfind("{\"detail\":[", 0) == 0);
  }
  return 0;
}
