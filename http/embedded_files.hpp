// Files compiled into the binary: the OpenAPI document (http/openapi.json) and
// the Swagger UI and Redoc bundles fetched at build time
// (scripts/fetch-docs-assets.sh). Nothing is read from disk at run time.
#pragma once

#include <string_view>

namespace webhookd::embedded {

std::string_view openapi_json();         // every route, including the optional ones
std::string_view swagger_ui_bundle_js();
std::string_view swagger_ui_css();
std::string_view redoc_standalone_js();

}  // namespace webhookd::embedded
