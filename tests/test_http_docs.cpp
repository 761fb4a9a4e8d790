// GET /openapi.json, /docs, /redoc and their files over real HTTP: the served
// document lists exactly the routes this instance serves, the pages load
// nothing from elsewhere, DOCS_ENDPOINTS=0 removes them.
#define BOOST_TEST_MODULE http_docs
#include <boost/test/unit_test.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "core/build_info.hpp"
#include "http/embedded_files.hpp"
#include "support/openapi_conformance.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;

// Every response these tests receive must be as http/openapi.json says.
BOOST_TEST_GLOBAL_FIXTURE(openapi_conformance);

namespace {

std::set<std::string> served_paths(std::uint16_t port) {
  auto r = get(port, "/openapi.json");
  BOOST_TEST_REQUIRE(r.status == 200);
  BOOST_TEST(r.header("content-type").value_or("") == "application/json");
  const auto doc = json::parse(r.body);
  BOOST_TEST(doc["openapi"] == "3.1.0");
  BOOST_TEST(doc["info"]["version"] == std::string(build_version()));
  std::set<std::string> paths;
  for (const auto& [path, item] : doc["paths"].items()) paths.insert(path);
  return paths;
}

service_setup everything_on() {
  service_setup setup;
  setup.tune = [](service_options& options) {
    options.settings.debug_endpoints = true;
    options.settings.bench_routes = true;
    options.settings.whatsapp_app_secret = "app";
    options.settings.whatsapp_verify_token = "token";
  };
  return setup;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_document_lists_the_routes_served) {
  test_service plain;
  BOOST_TEST(served_paths(plain.port()) ==
               (std::set<std::string>{"/webhook", "/messages", "/stats", "/health/live", "/health/ready", "/metrics",
                                      "/openapi.json", "/docs", "/redoc", "/docs/{asset}"}),
             boost::test_tools::per_element());

  test_service all{everything_on()};
  std::set<std::string> full;
  const auto full_document = json::parse(embedded::openapi_json());
  for (const auto& [path, item] : full_document["paths"].items()) full.insert(path);
  BOOST_TEST(served_paths(all.port()) == full, boost::test_tools::per_element());
  // Every listed operation is really there (none answers 404).
  const auto doc = json::parse(get(all.port(), "/openapi.json").body);
  for (const auto& [path, item] : doc["paths"].items()) {
    auto target = path == "/docs/{asset}" ? "/docs/swagger-ui.css" : path;
    for (const auto& [method, operation] : item.items()) {
      auto r = send_request(all.port(), {method == "get" ? "GET" : "POST", target, "", {}});
      BOOST_TEST(r.status != 404, method << " " << target);
    }
  }
}

BOOST_AUTO_TEST_CASE(pages_and_files_come_from_the_binary) {
  test_service svc;
  for (const char* page : {"/docs", "/redoc"}) {
    auto r = get(svc.port(), page);
    BOOST_TEST(r.status == 200, page);
    BOOST_TEST(r.header("content-type").value_or("") == "text/html; charset=utf-8", page);
    // Nothing from another origin: no absolute URL, and the policy forbids it.
    BOOST_TEST(r.body.find("//") == std::string::npos, page);
    auto csp = r.header("content-security-policy").value_or("");
    BOOST_TEST(csp.find("default-src 'none'") != std::string::npos, page);
    BOOST_TEST(csp.find("script-src 'self'") != std::string::npos, page);
  }
  auto docs = get(svc.port(), "/docs").body;
  BOOST_TEST(docs.find("/docs/swagger-ui-bundle.js") != std::string::npos);
  BOOST_TEST(docs.find("/docs/swagger-init.js") != std::string::npos);
  auto redoc = get(svc.port(), "/redoc").body;
  BOOST_TEST(redoc.find("/docs/redoc.standalone.js") != std::string::npos);
  BOOST_TEST(redoc.find(R"(spec-url="/openapi.json")") != std::string::npos);

  struct file {
    const char* path;
    std::string_view bytes;
    const char* type;
  };
  for (const auto& f : {file{"/docs/swagger-ui-bundle.js", embedded::swagger_ui_bundle_js(), "text/javascript; charset=utf-8"},
                        file{"/docs/swagger-ui.css", embedded::swagger_ui_css(), "text/css; charset=utf-8"},
                        file{"/docs/redoc.standalone.js", embedded::redoc_standalone_js(), "text/javascript; charset=utf-8"}}) {
    auto r = get(svc.port(), f.path);
    BOOST_TEST(r.status == 200, f.path);
    BOOST_TEST(r.header("content-type").value_or("") == f.type, f.path);
    BOOST_TEST(r.header("cache-control").value_or("") == "public, max-age=86400", f.path);
    BOOST_TEST(f.bytes.size() > 100000u, f.path);  // the real bundles, not a stub
    BOOST_TEST((r.body == f.bytes), f.path);
  }
  auto init = get(svc.port(), "/docs/swagger-init.js");
  BOOST_TEST(init.status == 200);
  BOOST_TEST(init.body.find("validatorUrl: null") != std::string::npos);
  BOOST_TEST(init.body.find("url: \"/openapi.json\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(docs_endpoints_can_be_switched_off) {
  service_setup setup;
  setup.tune = [](service_options& options) { options.settings.docs_endpoints = false; };
  test_service svc{setup};
  for (const char* path : {"/docs", "/redoc", "/docs/swagger-ui-bundle.js", "/docs/redoc.standalone.js"}) {
    auto r = get(svc.port(), path);
    BOOST_TEST(r.status == 404, path);
    BOOST_TEST(r.body == R"({"detail":"Not Found"})", path);
  }
  auto paths = served_paths(svc.port());
  BOOST_TEST(paths.count("/docs") == 0u);
  BOOST_TEST(paths.count("/redoc") == 0u);
  BOOST_TEST(paths.count("/messages") == 1u);
  auto metrics = get(svc.port(), "/metrics");
  BOOST_TEST(metrics.body.find(R"(http_requests_total{method="GET",path="unmatched",status="404"} 4)") != std::string::npos);
}
