// GET /openapi.json, and (unless DOCS_ENDPOINTS=0) GET /docs (Swagger UI) and
// GET /redoc (Redoc), whose scripts and styles are compiled into the binary
// (http/embedded_files.hpp). The pages' Content-Security-Policy lets them load
// nothing but this server's own files, so the docs never reach a CDN.
#include <memory>

#include "http/embedded_files.hpp"
#include "http/exchange.hpp"
#include "http/openapi_document.hpp"
#include "http/routes.hpp"

namespace webhookd {

namespace {

// Inline styles are how both viewers render (styled-components, React style
// attributes); scripts only from here. Redoc runs its search in a blob: worker.
constexpr const char* docs_csp =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
  "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; "
  "frame-ancestors 'none'";

constexpr std::string_view swagger_page = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>webhookd - Swagger UI</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-init.js"></script>
</body>
</html>
)";

// FastAPI's settings for the same page, and no validator badge (it would ask
// validator.swagger.io about the document).
constexpr std::string_view swagger_init = R"(window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
});
)";

constexpr std::string_view redoc_page = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>webhookd - ReDoc</title>
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/docs/redoc.standalone.js"></script>
</body>
</html>
)";

route_handler static_file(http_context& ctx, const char* route, std::string_view body, const char* content_type,
                          bool page) {
  return [&ctx, route, body, content_type, page](const restinio::request_handle_t& req) {
    exchange::header_list headers;
    if (page)
      headers.emplace_back("Content-Security-Policy", docs_csp);
    else
      headers.emplace_back("Cache-Control", "public, max-age=86400");
    headers.emplace_back("X-Content-Type-Options", "nosniff");
    std::make_shared<exchange>(req, route, ctx)->reply_static(200, body, content_type, std::move(headers));
    return restinio::request_accepted();
  };
}

}  // namespace

route_handler openapi_route(http_context& ctx) {
  auto document = std::make_shared<const std::string>(openapi_document(
    {ctx.whatsapp_configured(), ctx.docs_endpoints(), ctx.debug_endpoints(), ctx.bench_routes()}));
  return [&ctx, document](const restinio::request_handle_t& req) {
    std::make_shared<exchange>(req, "/openapi.json", ctx)->reply(200, *document);
    return restinio::request_accepted();
  };
}

std::vector<std::pair<const char*, route_handler>> docs_routes(http_context& ctx) {
  constexpr const char* html = "text/html; charset=utf-8";
  constexpr const char* javascript = "text/javascript; charset=utf-8";
  return {
    {"/docs", static_file(ctx, "/docs", swagger_page, html, true)},
    {"/redoc", static_file(ctx, "/redoc", redoc_page, html, true)},
    {"/docs/swagger-init.js", static_file(ctx, "/docs/{asset}", swagger_init, javascript, false)},
    {"/docs/swagger-ui-bundle.js", static_file(ctx, "/docs/{asset}", embedded::swagger_ui_bundle_js(), javascript, false)},
    {"/docs/swagger-ui.css", static_file(ctx, "/docs/{asset}", embedded::swagger_ui_css(), "text/css; charset=utf-8", false)},
    {"/docs/redoc.standalone.js", static_file(ctx, "/docs/{asset}", embedded::redoc_standalone_js(), javascript, false)},
  };
}

}  // namespace webhookd
