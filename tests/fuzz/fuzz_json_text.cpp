// libFuzzer target: the JSON string writer used for stored texts in GET
// /messages. Whatever the bytes (a file written by another program may hold
// anything), the output must be one valid JSON string; when the bytes are
// well-formed UTF-8 it must decode back to exactly them, and otherwise every
// ill-formed byte must have become U+FFFD.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "core/utf8.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

// The input with each byte that starts no well-formed sequence replaced.
std::string repaired(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t length = webhookd::utf8_sequence_length(bytes, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(bytes.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  std::string out;
  webhookd::append_json_string(out, input);
  auto parsed = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  require(parsed.is_string());
  const auto& decoded = parsed.get_ref<const std::string&>();
  require(decoded == repaired(input));
  if (webhookd::utf8_code_points(input)) require(decoded == input);
  return 0;
}
