// The signature schemes beside X-Signature: base64 (RFC 4648 vectors), Standard
// Webhooks (the test vectors the specification's own libraries publish:
// standard-webhooks/libraries, go/webhook_test.go and javascript/src/webhook.test.ts),
// Meta's X-Hub-Signature-256, and secret rotation (which secret matched).
#define BOOST_TEST_MODULE test_signature_schemes
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "core/base64.hpp"
#include "core/signature.hpp"
#include "core/standard_webhooks.hpp"

using namespace webhookd;

namespace {

// The specification libraries' shared vector.
const std::string vector_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string vector_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t vector_timestamp = 1614265330;
const std::string vector_body = R"({"test": 2432232314})";
const std::string vector_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
// A well-formed v1 signature that is not the vector's (also from those libraries).
const std::string unrelated_signature = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

std::string vector_key() { return decode_standard_webhooks_secret(vector_secret).value(); }

std::optional<std::size_t> match(const std::vector<std::string>& keys, const std::string& id,
                                 const std::string& timestamp, const std::string& signature,
                                 std::int64_t now = vector_timestamp) {
  return standard_webhooks_match(keys, {id, timestamp, signature}, vector_body, now);
}

const std::string ts = std::to_string(vector_timestamp);

// The index of the matching key, -1 for none (printable in failure messages).
int slot(std::optional<std::size_t> matched) { return matched ? static_cast<int>(*matched) : -1; }

}  // namespace

BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors_and_strict_decoding) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
    {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(base64_encode(plain) == encoded);
    BOOST_TEST(base64_decode(encoded).value_or("<none>") == plain);
  }
  const std::string all_bytes = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
    return s;
  }();
  BOOST_TEST(base64_decode(base64_encode(all_bytes)).value_or("") == all_bytes);
  for (const char* bad : {"Zg=", "Zh==", "Zm9=", "Z===", "====", "Zm9v\n", "Zm 9", "Zg==Zg==", "Zm-v", "Zm_v"})
    BOOST_TEST(!base64_decode(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(standard_webhooks_sign_vector) {
  BOOST_TEST(standard_webhooks_sign(vector_key(), vector_id, vector_timestamp, vector_body) == vector_signature);
  // The "whsec_" prefix is optional, as in the specification's libraries.
  BOOST_TEST(decode_standard_webhooks_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").value() == vector_key());
  BOOST_TEST(!decode_standard_webhooks_secret("whsec_").has_value());
  BOOST_TEST(!decode_standard_webhooks_secret("whsec_not base64!").has_value());
}

BOOST_AUTO_TEST_CASE(standard_webhooks_verify_vectors) {
  const std::vector<std::string> keys{vector_key()};
  BOOST_TEST(slot(match(keys, vector_id, ts, vector_signature)) == 0);
  // Missing headers.
  BOOST_TEST(!match(keys, "", ts, vector_signature).has_value());
  BOOST_TEST(!match(keys, vector_id, "", vector_signature).has_value());
  BOOST_TEST(!match(keys, vector_id, ts, "").has_value());
  // Invalid, garbled, partial and empty signatures.
  BOOST_TEST(!match(keys, vector_id, ts, unrelated_signature).has_value());
  BOOST_TEST(!match(keys, vector_id, ts, "v1,dawfeoifkpqwoekfpqoekf").has_value());
  BOOST_TEST(!match(keys, vector_id, ts, vector_signature.substr(0, 8)).has_value());
  BOOST_TEST(!match(keys, vector_id, ts, "v1,").has_value());
  // The right digest under another version tag is not a v1 signature.
  BOOST_TEST(!match(keys, vector_id, ts, "v1a," + vector_signature.substr(3)).has_value());
  // Not a number.
  BOOST_TEST(!match(keys, vector_id, "hello", vector_signature).has_value());
  BOOST_TEST(!match(keys, vector_id, "-1614265330", vector_signature).has_value());
  // The signed content covers the id, the timestamp and the body.
  BOOST_TEST(!match(keys, vector_id + "x", ts, vector_signature).has_value());
  BOOST_TEST(!standard_webhooks_match(keys, {vector_id, ts, vector_signature}, vector_body + " ", vector_timestamp));
}

BOOST_AUTO_TEST_CASE(standard_webhooks_timestamp_tolerance_both_ways) {
  const std::vector<std::string> keys{vector_key()};
  const auto tolerance = standard_webhooks_tolerance_seconds;
  BOOST_TEST(tolerance == 300);
  BOOST_TEST(match(keys, vector_id, ts, vector_signature, vector_timestamp + tolerance).has_value());
  BOOST_TEST(match(keys, vector_id, ts, vector_signature, vector_timestamp - tolerance).has_value());
  BOOST_TEST(!match(keys, vector_id, ts, vector_signature, vector_timestamp + tolerance + 1).has_value());  // expired
  BOOST_TEST(!match(keys, vector_id, ts, vector_signature, vector_timestamp - tolerance - 1).has_value());  // future
}

BOOST_AUTO_TEST_CASE(standard_webhooks_signature_lists_and_rotation) {
  const std::vector<std::string> keys{vector_key()};
  // The libraries' multi-signature case: the valid one third, among others.
  const std::string list = unrelated_signature + " v2," + unrelated_signature.substr(3) + " " + vector_signature +
                           " " + unrelated_signature;
  BOOST_TEST(slot(match(keys, vector_id, ts, list)) == 0);
  BOOST_TEST(!match(keys, vector_id, ts, unrelated_signature + " " + unrelated_signature).has_value());
  // Rotation: the vector key as the previous one.
  const std::vector<std::string> rotating{"a brand new key of 24 bytes", vector_key()};
  BOOST_TEST(slot(match(rotating, vector_id, ts, vector_signature)) == 1);
  const auto new_signature = standard_webhooks_sign(rotating[0], vector_id, vector_timestamp, vector_body);
  BOOST_TEST(slot(match(rotating, vector_id, ts, new_signature)) == 0);
  BOOST_TEST(slot(match(rotating, vector_id, ts, new_signature + " " + vector_signature)) == 0);
  BOOST_TEST(!match({rotating[0]}, vector_id, ts, vector_signature).has_value());
}

BOOST_AUTO_TEST_CASE(x_signature_rotation_says_which_secret_matched) {
  const std::string body = R"({"message_id":"m1"})";
  const std::vector<std::string> secrets{"new-secret", "old-secret"};
  BOOST_TEST(slot(matching_secret(secrets, body, hmac_sha256_hex("new-secret", body))) == 0);
  BOOST_TEST(slot(matching_secret(secrets, body, hmac_sha256_hex("old-secret", body))) == 1);
  BOOST_TEST(!matching_secret(secrets, body, hmac_sha256_hex("other", body)).has_value());
  BOOST_TEST(!matching_secret({"new-secret"}, body, hmac_sha256_hex("old-secret", body)).has_value());
  BOOST_TEST(!matching_secret({}, body, hmac_sha256_hex("new-secret", body)).has_value());
  BOOST_TEST(!matching_secret(secrets, body, "not hex").has_value());
}

BOOST_AUTO_TEST_CASE(hub_signature_is_sha256_prefixed_hex) {
  const std::string body = R"({"object":"whatsapp_business_account","entry":[]})";
  const std::vector<std::string> secrets{"app-secret", "old-app-secret"};
  const auto hex = hmac_sha256_hex("app-secret", body);
  BOOST_TEST(slot(matching_hub_secret(secrets, body, "sha256=" + hex)) == 0);
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  BOOST_TEST(slot(matching_hub_secret(secrets, body, "sha256=" + upper)) == 0);
  BOOST_TEST(slot(matching_hub_secret(secrets, body, "sha256=" + hmac_sha256_hex("old-app-secret", body))) == 1);
  BOOST_TEST(!matching_hub_secret(secrets, body, hex).has_value());             // no prefix
  BOOST_TEST(!matching_hub_secret(secrets, body, "sha1=" + hex).has_value());   // the old header's form
  BOOST_TEST(!matching_hub_secret(secrets, body, "sha256=" + hex + "0").has_value());
  BOOST_TEST(!matching_hub_secret(secrets, body + " ", "sha256=" + hex).has_value());
}
