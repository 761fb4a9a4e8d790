// .incbin puts each file into .rodata as it is, without a generated source
// file of byte literals (which would take g++ minutes for the 2.8 MB of
// JavaScript). CMake passes the directories and rebuilds this object when a
// file changes (OBJECT_DEPENDS).
#include "http/embedded_files.hpp"

// Defines webhookd_embedded_<name>_begin/_end around the file's bytes.
#define WEBHOOKD_EMBED(name, path)                                  \
  asm(".section .rodata\n"                                         \
      ".global webhookd_embedded_" #name "_begin\n"                \
      ".hidden webhookd_embedded_" #name "_begin\n"                \
      ".balign 16\n"                                               \
      "webhookd_embedded_" #name "_begin:\n"                       \
      ".incbin \"" path "\"\n"                                     \
      ".global webhookd_embedded_" #name "_end\n"                  \
      ".hidden webhookd_embedded_" #name "_end\n"                  \
      "webhookd_embedded_" #name "_end:\n"                         \
      ".byte 0\n"                                                  \
      ".previous\n");                                              \
  extern "C" const char webhookd_embedded_##name##_begin[];        \
  extern "C" const char webhookd_embedded_##name##_end[];

WEBHOOKD_EMBED(openapi, WEBHOOKD_HTTP_SOURCE_DIR "/openapi.json")
WEBHOOKD_EMBED(swagger_js, WEBHOOKD_DOCS_ASSETS_DIR "/swagger-ui-bundle.js")
WEBHOOKD_EMBED(swagger_css, WEBHOOKD_DOCS_ASSETS_DIR "/swagger-ui.css")
WEBHOOKD_EMBED(redoc_js, WEBHOOKD_DOCS_ASSETS_DIR "/redoc.standalone.js")

namespace webhookd::embedded {

namespace {

std::string_view view(const char* begin, const char* end) {
  return {begin, static_cast<std::size_t>(end - begin)};
}

}  // namespace

std::string_view openapi_json() { return view(webhookd_embedded_openapi_begin, webhookd_embedded_openapi_end); }
std::string_view swagger_ui_bundle_js() {
  return view(webhookd_embedded_swagger_js_begin, webhookd_embedded_swagger_js_end);
}
std::string_view swagger_ui_css() { return view(webhookd_embedded_swagger_css_begin, webhookd_embedded_swagger_css_end); }
std::string_view redoc_standalone_js() { return view(webhookd_embedded_redoc_js_begin, webhookd_embedded_redoc_js_end); }

}  // namespace webhookd::embedded
