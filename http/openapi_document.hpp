// The OpenAPI 3.1 document GET /openapi.json serves: http/openapi.json (every
// route webhookd has, compiled in) less the optional routes this instance does
// not serve. tests/support/openapi_conformance checks every response the HTTP
// tests see against the full document; tests/openapi_validator.sh runs an
// independent validator on the served one.
#pragma once

#include <string>

namespace webhookd {

// Which optional routes are served.
struct served_routes {
  bool whatsapp = false;
  bool docs = true;
  bool debug = false;
  bool bench = false;
};

std::string openapi_document(const served_routes& routes);

}  // namespace webhookd
