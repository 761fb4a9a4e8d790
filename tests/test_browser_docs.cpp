// /docs and /redoc in a real browser (headless Chromium, Debian's package):
// Swagger UI renders every operation of the served document, "Try it out" on
// GET /stats shows a 200 with the stats body, Redoc renders, and neither page
// requests anything from another origin. WEBHOOKD_DOCS_SCREENSHOT=path.png
// saves the Swagger UI page (the README's picture).
#define BOOST_TEST_MODULE browser_docs
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "support/cdp_browser.hpp"
#include "support/child_service.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const char* chromium_binary() {
  const char* configured = std::getenv("WEBHOOKD_CHROMIUM");
  return configured != nullptr ? configured : "/usr/bin/chromium";
}

// Browsers are slow to start on a busy 2-core machine, slower under sanitizers.
std::chrono::milliseconds patience() { return 60s * sanitizer_slowdown(); }

struct browser_fixture {
  test_service svc;
  std::string origin = "http://127.0.0.1:" + std::to_string(svc.port());
  cdp_browser browser{chromium_binary(), svc.dir() + "/chromium-profile"};

  // Every request the page made went to the server under test (or stayed in the page).
  void check_nothing_left_the_server() {
    for (const auto& url : browser.requested_urls())
      BOOST_TEST((url.rfind(origin + "/", 0) == 0 || url.rfind("data:", 0) == 0 || url.rfind("blob:", 0) == 0),
                 "the page requested " << url);
    for (const auto& error : browser.errors()) BOOST_ERROR("the page reported: " << error);
  }
};

// "METHOD path" of every operation in the served document.
std::set<std::string> documented_operations(std::uint16_t port) {
  const auto doc = json::parse(get(port, "/openapi.json").body);
  std::set<std::string> out;
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [method, operation] : item.items()) {
      std::string upper;
      for (char c : method) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      out.insert(upper + " " + path);
    }
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(swagger_ui_renders_every_operation_and_tries_get_stats, browser_fixture) {
  BOOST_TEST_REQUIRE(svc.post_webhook(webhook_body("b1", "+919876543210", "2025-01-15T10:00:00Z")).status == 200);
  BOOST_TEST_REQUIRE(svc.post_webhook(webhook_body("b2", "+14155550123", "2025-01-16T11:00:00Z")).status == 200);
  const auto expected = documented_operations(svc.port());
  BOOST_TEST_REQUIRE(expected.size() >= 10u);

  browser.navigate(origin + "/docs");
  BOOST_TEST_REQUIRE(browser.wait_until("document.querySelectorAll('.opblock').length >= " +
                                          std::to_string(expected.size()), patience()),
                     "Swagger UI did not render the operations");
  auto rendered = browser.evaluate(R"([...document.querySelectorAll('.opblock')].map(b =>
      b.querySelector('.opblock-summary-method').textContent + ' ' +
      b.querySelector('.opblock-summary-path').getAttribute('data-path')))");
  std::set<std::string> shown;
  for (const auto& op : rendered) shown.insert(op.get<std::string>());
  BOOST_TEST(shown == expected, boost::test_tools::per_element());
  BOOST_TEST(browser.evaluate("document.querySelector('.info .title').textContent").get<std::string>().find("webhookd") == 0u);

  if (const char* path = std::getenv("WEBHOOKD_DOCS_SCREENSHOT")) {
    std::ofstream{path, std::ios::binary} << browser.screenshot_png();
  }

  // Try it out on GET /stats: expand, "Try it out", "Execute", read the answer.
  const std::string block = "document.querySelector('#operations-messages-getStats')";
  browser.evaluate(block + ".querySelector('.opblock-summary-control').click()");
  BOOST_TEST_REQUIRE(browser.wait_until(block + ".querySelector('.try-out__btn')", patience()));
  browser.evaluate(block + ".querySelector('.try-out__btn').click()");
  BOOST_TEST_REQUIRE(browser.wait_until(block + ".querySelector('.btn.execute')", patience()));
  browser.evaluate(block + ".querySelector('.btn.execute').click()");
  const std::string live = block + ".querySelector('.live-responses-table tbody .response')";
  BOOST_TEST_REQUIRE(browser.wait_until(live, patience()), "no live response appeared");
  auto status = browser.evaluate(live + ".querySelector('.response-col_status').textContent.trim()");
  BOOST_TEST(status.get<std::string>().rfind("200", 0) == 0u, "status cell: " << status);
  auto body_text = browser.evaluate(live + ".querySelector('.response-col_description pre').textContent");
  auto body = json::parse(body_text.get<std::string>(), nullptr, false);
  BOOST_TEST_REQUIRE(!body.is_discarded(), "the response body shown is not JSON: " << body_text);
  BOOST_TEST(body["total_messages"] == 2);
  BOOST_TEST(body["senders_count"] == 2);
  BOOST_TEST(body["first_message_ts"] == "2025-01-15T10:00:00Z");
  BOOST_TEST(body["last_message_ts"] == "2025-01-16T11:00:00Z");
  check_nothing_left_the_server();
}

BOOST_FIXTURE_TEST_CASE(redoc_renders, browser_fixture) {
  browser.navigate(origin + "/redoc");
  BOOST_TEST_REQUIRE(browser.wait_until("document.querySelector('.api-content h1')", patience()),
                     "Redoc did not render");
  BOOST_TEST(browser.evaluate("document.querySelector('.api-content h1').textContent").get<std::string>().find("webhookd") == 0u);
  // One section per operation, each titled by its summary.
  BOOST_TEST_REQUIRE(browser.wait_until("document.body.innerText.includes('Receive one signed message')", patience()));
  for (const char* summary : {"List stored messages", "Message totals and top senders", "Readiness", "Prometheus metrics"})
    BOOST_TEST(browser.evaluate(std::string{"document.body.innerText.includes('"} + summary + "')") == json(true), summary);
  check_nothing_left_the_server();
}
