#include "core/build_info.hpp"
#include "http/openapi_document.hpp"

#include <nlohmann/json.hpp>

#include "http/embedded_files.hpp"

namespace webhookd {

std::string openapi_document(const served_routes& routes) {
  auto doc = nlohmann::ordered_json::parse(embedded::openapi_json());
  doc["info"]["version"] = build_version();
  auto& paths = doc["paths"];
  auto drop_unless = [&paths](bool served, std::initializer_list<const char*> names) {
    if (!served)
      for (const char* name : names) paths.erase(name);
  };
  drop_unless(routes.whatsapp, {"/webhook/whatsapp"});
  drop_unless(routes.docs, {"/docs", "/redoc", "/docs/{asset}"});
  drop_unless(routes.debug, {"/debug/actors"});
  drop_unless(routes.bench, {"/_bench/null"});
  // A tag with no operation left would show as an empty section in the viewers.
  auto used = nlohmann::ordered_json::array();
  for (const auto& tag : doc["tags"]) {
    bool in_use = false;
    for (const auto& [path, item] : paths.items())
      for (const auto& [method, operation] : item.items())
        for (const auto& name : operation.value("tags", nlohmann::ordered_json::array()))
          in_use = in_use || name == tag["name"];
    if (in_use) used.push_back(tag);
  }
  doc["tags"] = std::move(used);
  return doc.dump();
}

}  // namespace webhookd
