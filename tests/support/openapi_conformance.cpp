#include "support/openapi_conformance.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>

#include <boost/test/unit_test.hpp>

#include "http/embedded_files.hpp"
#include "support/json_schema_check.hpp"

namespace webhookd::test {

namespace {

using nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The path item of `path`: exact, then by template segments ("/docs/{asset}").
const json* find_path_item(const json& paths, const std::string& path) {
  if (paths.contains(path)) return &paths.at(path);
  auto segments = [](const std::string& p) {
    std::vector<std::string> out;
    std::size_t start = 1;
    while (start <= p.size()) {
      auto slash = p.find('/', start);
      if (slash == std::string::npos) slash = p.size();
      out.push_back(p.substr(start, slash - start));
      start = slash + 1;
    }
    return out;
  };
  const auto wanted = segments(path);
  for (const auto& [name, item] : paths.items()) {
    const auto pattern = segments(name);
    if (pattern.size() != wanted.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < pattern.size() && same; ++i)
      same = (pattern[i].front() == '{' && !wanted[i].empty()) || pattern[i] == wanted[i];
    if (same) return &item;
  }
  return nullptr;
}

const json& follow(const json& document, const json& maybe_ref) {
  return maybe_ref.contains("$ref") ? resolve_ref(document, maybe_ref["$ref"].get<std::string>()) : maybe_ref;
}

// Problems of a response against one response object of the document.
std::vector<std::string> response_problems(const json& document, const json& declared, const http_response& r) {
  std::vector<std::string> out;
  const json& response = follow(document, declared);
  const json headers = response.value("headers", json::object());
  for (const auto& [name, header_ref] : headers.items()) {
    const json& header = follow(document, header_ref);
    auto value = r.header(lower(name));
    if (!value) {
      if (header.value("required", false)) out.push_back("lacks header " + name);
      continue;
    }
    if (header.contains("schema"))
      for (auto& p : schema_problems(document, header["schema"], json(*value), "header " + name)) out.push_back(p);
  }
  if (!response.contains("content")) {
    if (!r.body.empty()) out.push_back("has a body where the document declares none");
    return out;
  }
  auto content_type = lower(r.header("content-type").value_or(""));
  auto media_type = content_type.substr(0, content_type.find(';'));
  if (!response["content"].contains(media_type)) {
    out.push_back("Content-Type " + content_type + " is not declared");
    return out;
  }
  const json schema = response["content"][media_type].value("schema", json::object());
  json body;
  if (media_type == "application/json") {
    body = json::parse(r.body, nullptr, false);
    if (body.is_discarded()) {
      out.push_back("body is not JSON");
      return out;
    }
  } else {
    body = r.body;
  }
  for (auto& p : schema_problems(document, schema, body, "body")) out.push_back(p);
  return out;
}

struct watch_state {
  std::mutex mutex;
  json document;
  std::size_t checked = 0;
  std::vector<std::string> problems;
};

watch_state& state() {
  static watch_state s;
  return s;
}

}  // namespace

std::vector<std::string> conformance_problems(const json& document, const observed_exchange& seen) {
  auto path = seen.target.substr(0, seen.target.find('?'));
  // The server ignores a trailing slash ("/stats/" is "/stats").
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const auto method = lower(seen.method);
  const auto status = std::to_string(seen.response.status);
  const json* item = find_path_item(document["paths"], path);
  std::vector<std::string> out;
  if (item == nullptr) {
    if (status != "404") return {"an unknown path answered " + status};
    return response_problems(document, document["components"]["responses"]["NotFound"], seen.response);
  }
  if (!item->contains(method)) {
    if (status != "405") return {"a method the path does not have answered " + status};
    return response_problems(document, document["components"]["responses"]["MethodNotAllowed"], seen.response);
  }
  const json& responses = (*item)[method]["responses"];
  if (!responses.contains(status)) {
    // Refused before routing (the request screen): any path, one shape.
    static const std::set<std::string> refusals{"400", "413", "414", "417", "431", "501", "505"};
    if (refusals.count(status) == 0) return {"status " + status + " is not declared"};
    auto problems = response_problems(document, document["components"]["responses"]["RefusedRequest"], seen.response);
    if (seen.response.header("connection").value_or("") != "close")
      problems.push_back("a refusal before routing without Connection: close");
    return problems;
  }
  return response_problems(document, responses[status], seen.response);
}

openapi_conformance::openapi_conformance() = default;

void openapi_conformance::setup() {
  state().document = json::parse(embedded::openapi_json());
  set_response_observer([](const std::string& method, const std::string& target, const http_response& response) {
    auto& s = state();
    std::lock_guard<std::mutex> lock{s.mutex};
    ++s.checked;
    for (auto& problem : conformance_problems(s.document, {method, target, response}))
      s.problems.push_back(method + " " + target.substr(0, 120) + " -> " + std::to_string(response.status) + ": " +
                           problem);
  });
}

void openapi_conformance::teardown() {
  set_response_observer(nullptr);
  auto& s = state();
  std::lock_guard<std::mutex> lock{s.mutex};
  BOOST_TEST_MESSAGE(s.checked << " responses checked against http/openapi.json, " << s.problems.size()
                               << " did not conform");
  BOOST_TEST(s.checked > 0u, "no response was checked against the OpenAPI document");
  for (const auto& problem : s.problems) BOOST_ERROR("not as http/openapi.json says: " << problem);
}

}  // namespace webhookd::test
