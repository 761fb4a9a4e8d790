// HMAC-SHA256 signatures: the primitive against RFC 4231, signature_matches on
// every malformed-signature shape, and the verifier actor through its typed
// interface inside a real actor system.
#define BOOST_TEST_MODULE test_verifier
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "support/actor_testing.hpp"
#include "actors/verifier_actor.hpp"
#include "core/service_metrics.hpp"
#include "core/signature.hpp"
#include "messages/interfaces.hpp"

using namespace webhookd;
using namespace webhookd::test;

namespace {

constexpr auto reply_timeout = std::chrono::seconds(10);

std::string repeated_byte(unsigned char byte, std::size_t n) {
  return std::string(n, static_cast<char>(byte));
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string to_upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Upper-cases every other hex letter: "ab3f" -> "Ab3F".
std::string mixed_case(std::string s) {
  bool upper = true;
  for (auto& c : s) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      if (upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      upper = !upper;
    }
  }
  return s;
}

struct rfc4231_case {
  int number;
  std::string key;
  std::string data;
  std::string hmac_sha256;
};

// RFC 4231 section 4 (each digest re-checked with
// `openssl dgst -sha256 -mac HMAC -macopt hexkey:...`).
std::vector<rfc4231_case> rfc4231_cases() {
  const std::string long_key = repeated_byte(0xaa, 131);
  return {
    {1, repeated_byte(0x0b, 20), "Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {2, "Jefe", "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {3, repeated_byte(0xaa, 20), repeated_byte(0xdd, 50),
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {4, from_hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), repeated_byte(0xcd, 50),
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {6, long_key, "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {7, long_key,
     "This is a test using a larger than block-size key and a larger than block-size data. "
     "The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
}

const std::string secret = "testsecret";
const std::string body = R"({"message_id":"m1","from":"+919876543210","to":"+14155550100","ts":"2025-01-15T10:00:00Z","text":"Hello"})";

// One signature to check, and whether it must be accepted.
struct signature_case {
  std::string name;
  std::string body;
  std::string signature;
  bool expected;
};

std::vector<signature_case> signature_cases() {
  const std::string good = hmac_sha256_hex(secret, body);
  std::string wrong_digest = good;
  wrong_digest[10] = wrong_digest[10] == '0' ? '1' : '0';
  std::string last_wrong = good;
  last_wrong.back() = last_wrong.back() == 'f' ? 'e' : 'f';
  std::string non_hex = good;
  non_hex[20] = 'g';
  std::string non_hex_space = good;
  non_hex_space[0] = ' ';
  const std::string reserialised = R"({ "message_id": "m1", "from": "+919876543210", "to": "+14155550100", "ts": "2025-01-15T10:00:00Z", "text": "Hello" })";
  return {
    {"correct lower-case", body, good, true},
    {"upper-case hex", body, to_upper(good), true},
    {"mixed-case hex", body, mixed_case(good), true},
    {"wrong digest (one nibble)", body, wrong_digest, false},
    {"wrong digest (last nibble)", body, last_wrong, false},
    {"63 characters", body, good.substr(0, 63), false},
    {"65 characters", body, good + "0", false},
    {"odd length 31", body, good.substr(0, 31), false},
    {"half length 32", body, good.substr(0, 32), false},
    {"128 characters (doubled)", body, good + good, false},
    {"non-hex letter g", body, non_hex, false},
    {"non-hex leading space", body, non_hex_space, false},
    {"0x prefix", body, "0x" + good.substr(0, 62), false},
    {"empty signature", body, "", false},
    {"signature of the empty body on a non-empty body", body, hmac_sha256_hex(secret, ""), false},
    {"empty body with its signature", "", hmac_sha256_hex(secret, ""), true},
    {"empty body with a wrong signature", "", good, false},
    {"body signed under another secret", body, hmac_sha256_hex("othersecret", body), false},
    {"signature over a re-serialised body", body, hmac_sha256_hex(secret, reserialised), false},
    {"re-serialised body with the original signature", reserialised, good, false},
    {"re-serialised body with its own signature", reserialised, hmac_sha256_hex(secret, reserialised), true},
    {"body with trailing newline", body + "\n", good, false},
  };
}

// The Prometheus counter of messages an actor handled, read from the registry
// (-1 when the series does not exist).
double handled_count(service_metrics& metrics, const std::string& actor, const std::string& instance) {
  for (const auto& family : metrics.registry().Collect()) {
    if (family.name != "webhookd_actor_messages_handled_total") continue;
    for (const auto& metric : family.metric) {
      bool actor_matches = false;
      bool instance_matches = false;
      for (const auto& label : metric.label) {
        if (label.name == "actor" && label.value == actor) actor_matches = true;
        if (label.name == "instance" && label.value == instance) instance_matches = true;
      }
      if (actor_matches && instance_matches) return metric.counter.value;
    }
  }
  return -1;
}


signature_check x_signature(shared_body b, std::string signature) {
  signature_check check;
  check.body = std::move(b);
  check.signature = std::move(signature);
  return check;
}

struct verifier_fixture {
  service_metrics metrics;
  quiet_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  verifier_actor verifier = spawn_verifier(sys, {{secret}, {}, {}}, metrics.actor("verifier", "0"));

  ~verifier_fixture() {
    caf::anon_send_exit(verifier, caf::exit_reason::user_shutdown);
    self->wait_for(verifier);
  }

  // The verifier's answer, or a test failure when it answers with an error.
  bool verify(shared_body b, const std::string& signature) {
    std::optional<bool> answer;
    std::string failure;
    self->request(verifier, reply_timeout, verify_atom::value, x_signature(std::move(b), signature))
      .receive([&](const signature_verdict& v) { answer = v.valid; },
               [&](caf::error& err) { failure = sys.render(err); });
    BOOST_REQUIRE_MESSAGE(answer.has_value(), "verifier answered an error: " << failure);
    return *answer;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(hmac)

BOOST_AUTO_TEST_CASE(rfc4231_vectors) {
  for (const auto& c : rfc4231_cases()) {
    BOOST_TEST_CONTEXT("RFC 4231 test case " << c.number) {
      BOOST_TEST(hmac_sha256_hex(c.key, c.data) == c.hmac_sha256);
      BOOST_TEST(signature_matches(c.key, c.data, c.hmac_sha256));
      BOOST_TEST(signature_matches(c.key, c.data, to_upper(c.hmac_sha256)));
    }
  }
}

BOOST_AUTO_TEST_CASE(rfc4231_case5_truncated_prefix) {
  // Case 5 publishes only the first 128 bits; our full digest must start with them,
  // and the truncated form alone is not an acceptable signature.
  const auto key = repeated_byte(0x0c, 20);
  const std::string data = "Test With Truncation";
  const auto full = hmac_sha256_hex(key, data);
  BOOST_TEST(full.size() == 64u);
  BOOST_TEST(full.substr(0, 32) == "a3b6167473100ee06e0c796c2955552b");
  BOOST_TEST(!signature_matches(key, data, "a3b6167473100ee06e0c796c2955552b"));
}

BOOST_AUTO_TEST_CASE(output_is_lower_case_64_hex) {
  for (const auto& c : rfc4231_cases()) {
    auto hex = hmac_sha256_hex(c.key, c.data);
    BOOST_TEST(hex.size() == 64u);
    BOOST_TEST(std::all_of(hex.begin(), hex.end(), [](char ch) {
      return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
    }));
  }
}

BOOST_AUTO_TEST_CASE(known_digests_of_the_test_secret) {
  // printf '' | openssl dgst -sha256 -mac HMAC -macopt key:testsecret
  BOOST_TEST(hmac_sha256_hex(secret, "") ==
             "883a1369fa89dbc40b32496dbec4174276f9899e88cdfdbf1b6327c2ebc7ffcb");
  // The sample webhook body, same command with the body on stdin.
  BOOST_TEST(hmac_sha256_hex(secret, body) ==
             "ff1016e524bc9299d18988ecf27a880af9428140e3850af0c73ea1eef091a4cb");
  BOOST_TEST(hmac_sha256_hex(secret, "") != hmac_sha256_hex(secret, " "));
  BOOST_TEST(hmac_sha256_hex(secret, "") != hmac_sha256_hex("", ""));
}

BOOST_AUTO_TEST_CASE(body_bytes_including_nul_are_signed) {
  const std::string with_nul("a\0b", 3);
  const std::string truncated("a", 1);
  BOOST_TEST(hmac_sha256_hex(secret, with_nul) != hmac_sha256_hex(secret, truncated));
  BOOST_TEST(signature_matches(secret, with_nul, hmac_sha256_hex(secret, with_nul)));
  BOOST_TEST(!signature_matches(secret, with_nul, hmac_sha256_hex(secret, truncated)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(signature_function)

BOOST_AUTO_TEST_CASE(all_signature_shapes) {
  for (const auto& c : signature_cases()) {
    BOOST_TEST_CONTEXT(c.name << " (signature '" << c.signature << "')") {
      BOOST_TEST(signature_matches(secret, c.body, c.signature) == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(signature_from_repeated_and_padded_fields) {
  using fields = std::vector<std::string_view>;
  BOOST_TEST(signature_from_fields({}) == "");
  BOOST_TEST(signature_from_fields(fields{"abc"}) == "abc");
  BOOST_TEST(signature_from_fields(fields{" \tabc\t "}) == "abc");
  BOOST_TEST(signature_from_fields(fields{"a b"}) == "a b");
  BOOST_TEST(signature_from_fields(fields{"  "}) == "");
  BOOST_TEST(signature_from_fields(fields{"abc", " abc "}) == "abc");
  BOOST_TEST(signature_from_fields(fields{"abc", "ABC"}) == "abc");
  BOOST_TEST(signature_from_fields(fields{"abc", "abd"}) == "");
  BOOST_TEST(signature_from_fields(fields{"abc", ""}) == "");
  BOOST_TEST(signature_from_fields(fields{"abc", "abc", "x"}) == "");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(verifier_actor_tests)

BOOST_FIXTURE_TEST_CASE(actor_answers_every_signature_shape, verifier_fixture) {
  for (const auto& c : signature_cases()) {
    BOOST_TEST_CONTEXT(c.name << " (signature '" << c.signature << "')") {
      BOOST_TEST(verify(std::make_shared<const std::string>(c.body), c.signature) == c.expected);
    }
  }
}

BOOST_FIXTURE_TEST_CASE(null_body_is_rejected, verifier_fixture) {
  BOOST_TEST(verify(shared_body{}, hmac_sha256_hex(secret, "")) == false);
  BOOST_TEST(verify(shared_body{}, "") == false);
  // The actor survives the null body and still verifies afterwards.
  BOOST_TEST(verify(std::make_shared<const std::string>(body), hmac_sha256_hex(secret, body)) == true);
}

BOOST_FIXTURE_TEST_CASE(actor_uses_its_own_secret, verifier_fixture) {
  auto other = spawn_verifier(sys, {{"othersecret"}, {}, {}}, metrics.actor("verifier", "1"));
  auto shared = std::make_shared<const std::string>(body);
  const auto ours = hmac_sha256_hex(secret, body);
  const auto theirs = hmac_sha256_hex("othersecret", body);
  BOOST_TEST(verify(shared, ours) == true);
  BOOST_TEST(verify(shared, theirs) == false);

  std::optional<bool> other_ours;
  std::optional<bool> other_theirs;
  self->request(other, reply_timeout, verify_atom::value, x_signature(shared, ours))
    .receive([&](const signature_verdict& v) { other_ours = v.valid; }, [&](caf::error&) {});
  self->request(other, reply_timeout, verify_atom::value, x_signature(shared, theirs))
    .receive([&](const signature_verdict& v) { other_theirs = v.valid; }, [&](caf::error&) {});
  BOOST_REQUIRE(other_ours.has_value());
  BOOST_REQUIRE(other_theirs.has_value());
  BOOST_TEST(*other_ours == false);
  BOOST_TEST(*other_theirs == true);
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
  self->wait_for(other);
}

BOOST_FIXTURE_TEST_CASE(actor_counts_handled_messages, verifier_fixture) {
  const double before = handled_count(metrics, "verifier", "0");
  BOOST_TEST(before == 0.0);
  auto shared = std::make_shared<const std::string>(body);
  for (int i = 0; i < 5; ++i) verify(shared, "00");
  // A message is counted right after its handler answered, so only once the
  // next answer is in are the first five certainly counted.
  verify(shared, "00");
  BOOST_TEST(handled_count(metrics, "verifier", "0") >= before + 5);
  BOOST_TEST(handled_count(metrics, "verifier", "0") <= before + 6);
}

BOOST_FIXTURE_TEST_CASE(many_outstanding_requests_get_their_own_answers, verifier_fixture) {
  // Alternate good and bad signatures without waiting, then collect each answer
  // by its own request id: every answer must belong to its request.
  auto shared = std::make_shared<const std::string>(body);
  const auto good = hmac_sha256_hex(secret, body);
  using handle_t = decltype(self->request(verifier, reply_timeout, verify_atom::value, x_signature(shared, good)));
  std::vector<handle_t> handles;
  std::vector<bool> expected;
  for (int i = 0; i < 200; ++i) {
    bool ok = i % 3 == 0;
    handles.push_back(self->request(verifier, reply_timeout, verify_atom::value,
                                    x_signature(shared, ok ? good : std::string(64, 'a'))));
    expected.push_back(ok);
  }
  int answered = 0;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    handles[i].receive(
      [&](const signature_verdict& v) {
        ++answered;
        BOOST_TEST(v.valid == expected[i], "request " << i);
      },
      [&](caf::error& err) { BOOST_ERROR("request " << i << " failed: " << sys.render(err)); });
  }
  BOOST_TEST(answered == 200);
}

BOOST_AUTO_TEST_SUITE_END()
