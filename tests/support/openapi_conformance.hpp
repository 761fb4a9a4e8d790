// Keeps http/openapi.json true: every response an HTTP test receives is checked
// against the document (its operation, status, media type, body schema and
// required headers). Link a test module to it with
//   BOOST_TEST_GLOBAL_FIXTURE(webhookd::test::openapi_conformance);
// and the module fails when any response did not conform, or none was checked.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"

namespace webhookd::test {

// What one request was and what it got.
struct observed_exchange {
  std::string method;
  std::string target;  // as sent, query string included
  http_response response;
};

// Why `seen` does not conform to `document` (empty when it does). A path the
// document does not have must have answered its NotFound response; a method a
// path does not have, its MethodNotAllowed response.
std::vector<std::string> conformance_problems(const nlohmann::json& document, const observed_exchange& seen);

// The global fixture: watches every response of the test module's HTTP
// client (support/http_client.hpp) and reports at the end.
struct openapi_conformance {
  openapi_conformance();
  void setup();
  void teardown();
};

}  // namespace webhookd::test
