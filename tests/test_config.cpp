// Unit tests for configuration loading; getenv is faked with a map so the
// process environment is never read or changed.
#define BOOST_TEST_MODULE test_config
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <map>
#include <string>
#include <variant>

#include "config/config.hpp"

using namespace webhookd;

namespace {

using env_map = std::map<std::string, std::string>;

std::variant<config, config_error> load(const env_map& env) {
  return load_config([&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

config load_ok(const env_map& env) {
  auto result = load(env);
  BOOST_TEST_REQUIRE(std::holds_alternative<config>(result));
  return std::get<config>(result);
}

config_error load_err(const env_map& env) {
  auto result = load(env);
  BOOST_TEST_REQUIRE(std::holds_alternative<config_error>(result));
  const auto& err = std::get<config_error>(result);
  BOOST_TEST(!err.problem.empty());
  return err;
}

}  // namespace

BOOST_AUTO_TEST_CASE(all_defaults) {
  const config c = load_ok({});
  BOOST_TEST(c.database_path == "data/app.db");
  BOOST_TEST(!c.webhook_secret.has_value());
  BOOST_TEST((c.level == log_level::info));
  BOOST_TEST(c.host == "0.0.0.0");
  BOOST_TEST(c.port == 8000);
}

BOOST_AUTO_TEST_CASE(instance_name_from_environment_or_host_name) {
  BOOST_TEST(load_ok({{"INSTANCE_NAME", "api-2.eu_west"}}).instance_name == "api-2.eu_west");
  // Unset: the host name, made safe for a label value.
  char host[256] = {};
  BOOST_TEST_REQUIRE(gethostname(host, sizeof host - 1) == 0);
  BOOST_TEST(load_ok({}).instance_name == instance_name_from_hostname(host));
  BOOST_TEST(instance_name_from_hostname("web 1/α") == "web-1---");
  BOOST_TEST(instance_name_from_hostname("") == "webhookd");
  BOOST_TEST(instance_name_from_hostname(std::string(80, 'h')) == std::string(63, 'h'));
  for (const std::string& bad : std::vector<std::string>{"has space", "quote\"", std::string(64, 'x'), "new\nline", "ü"})
    BOOST_TEST(load_err({{"INSTANCE_NAME", bad}}).variable == "INSTANCE_NAME", bad);
}

BOOST_AUTO_TEST_CASE(drain_delay) {
  BOOST_TEST(load_ok({}).drain_delay_ms == 0u);
  BOOST_TEST(load_ok({{"DRAIN_DELAY_MS", "1500"}}).drain_delay_ms == 1500u);
  BOOST_TEST(load_ok({{"DRAIN_DELAY_MS", "30000"}}).drain_delay_ms == 30000u);
  for (const char* bad : {"30001", "-1", "1.5", "1s", "999999", " 10"})
    BOOST_TEST(load_err({{"DRAIN_DELAY_MS", bad}}).variable == "DRAIN_DELAY_MS", bad);
}

BOOST_AUTO_TEST_CASE(empty_values_count_as_unset) {
  const config c = load_ok(
      {{"DATABASE_URL", ""}, {"WEBHOOK_SECRET", ""}, {"LOG_LEVEL", ""}, {"HOST", ""}, {"PORT", ""}});
  BOOST_TEST(c.database_path == "data/app.db");
  BOOST_TEST(!c.webhook_secret.has_value());
  BOOST_TEST((c.level == log_level::info));
  BOOST_TEST(c.host == "0.0.0.0");
  BOOST_TEST(c.port == 8000);
}

BOOST_AUTO_TEST_CASE(all_set) {
  const config c = load_ok({{"DATABASE_URL", "sqlite:////data/app.db"},
                            {"WEBHOOK_SECRET", "testsecret"},
                            {"LOG_LEVEL", "debug"},
                            {"HOST", "127.0.0.1"},
                            {"PORT", "9090"}});
  BOOST_TEST(c.database_path == "/data/app.db");
  BOOST_TEST(c.webhook_secret.value() == "testsecret");
  BOOST_TEST((c.level == log_level::debug));
  BOOST_TEST(c.host == "127.0.0.1");
  BOOST_TEST(c.port == 9090);
}

BOOST_AUTO_TEST_CASE(database_url_forms) {
  BOOST_TEST(database_path_from_url("sqlite:////abs/p.db").value() == "/abs/p.db");
  BOOST_TEST(database_path_from_url("sqlite:///rel/p.db").value() == "rel/p.db");
  BOOST_TEST(database_path_from_url("sqlite:///p.db").value() == "p.db");
  BOOST_TEST(database_path_from_url("SQLite:////abs/p.db").value() == "/abs/p.db");
  BOOST_TEST(database_path_from_url("sqlite:///./x/../p.db").value() == "./x/../p.db");
  BOOST_TEST(database_path_from_url("sqlite:///data/app.db").value() == "data/app.db");
}

BOOST_AUTO_TEST_CASE(database_url_malformed) {
  using namespace std::string_literals;
  for (const std::string& bad :
       {"postgresql://user:pw@host/db"s, "mysql:///x.db"s, "sqlite://host/x.db"s, "sqlite://"s,
        "sqlite:///"s, "sqlite:////"s, "sqlite:////data/"s, "sqlite:///data/"s,
        "sqlite:///:memory:"s, "sqlite://:memory:"s, "sqlite:///app.db?mode=ro"s,
        "sqlite:///a\0b.db"s, "/data/app.db"s, "app.db"s, "sqlite:/data/app.db"s,
        "sqlite+pysqlite:///x.db"s, "file:///data/app.db"s, ""s}) {
    BOOST_TEST_CONTEXT("url '" << bad << "'") {
      BOOST_TEST(!database_path_from_url(bad).has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(database_url_error_names_variable_and_hides_value) {
  const config_error e = load_err({{"DATABASE_URL", "postgresql://user:hunter2@db:99999/x"}});
  BOOST_TEST(e.variable == "DATABASE_URL");
  BOOST_TEST(e.problem.find("hunter2") == std::string::npos);

  BOOST_TEST(load_err({{"DATABASE_URL", "sqlite:///:memory:"}}).variable == "DATABASE_URL");
  BOOST_TEST(load_err({{"DATABASE_URL", "sqlite://host/x"}}).variable == "DATABASE_URL");
  BOOST_TEST(load_err({{"DATABASE_URL", "sqlite:////data/"}}).variable == "DATABASE_URL");
  BOOST_TEST(load_err({{"DATABASE_URL", "sqlite:///a.db?x=1"}}).variable == "DATABASE_URL");
}

BOOST_AUTO_TEST_CASE(postgres_urls_become_libpq_keywords_and_a_display_without_the_password) {
  const config c = load_ok({{"DATABASE_URL", "postgresql://app:s%40cr%27t@db.example:5433/webhooks?sslmode=require"}});
  BOOST_TEST(c.database_path.empty());
  BOOST_REQUIRE(c.postgres.has_value());
  BOOST_TEST(c.postgres->conninfo.rfind(
               "host='db.example' port='5433' dbname='webhooks' user='app' password='s@cr\\'t' sslmode='require' "
               "connect_timeout='3' application_name='webhookd' keepalives='1'", 0) == 0,
             c.postgres->conninfo);
  BOOST_TEST(c.postgres->display == "postgresql://app:***@db.example:5433/webhooks?sslmode=require");
  BOOST_TEST(c.database_display() == c.postgres->display);

  auto minimal = postgres_target_from_url("POSTGRES://localhost/db");
  BOOST_REQUIRE(minimal.has_value());
  BOOST_TEST(minimal->conninfo.rfind("host='localhost' dbname='db' connect_timeout='3'", 0) == 0, minimal->conninfo);
  BOOST_TEST(minimal->display == "postgresql://localhost/db");

  // A socket directory (percent-encoded host or ?host=) and an IPv6 literal.
  auto socket = postgres_target_from_url("postgresql://u@%2Ftmp%2Fpg/db?connect_timeout=10&application_name=a");
  BOOST_REQUIRE(socket.has_value());
  BOOST_TEST(socket->conninfo.rfind("host='/tmp/pg' dbname='db' user='u' connect_timeout='10' application_name='a' "
                                    "keepalives='1'", 0) == 0, socket->conninfo);
  auto v6 = postgres_target_from_url("postgresql://u:p@[::1]:6543/db");
  BOOST_REQUIRE(v6.has_value());
  BOOST_TEST(v6->conninfo.rfind("host='::1' port='6543' dbname='db' user='u' password='p'", 0) == 0, v6->conninfo);
  BOOST_TEST(v6->display == "postgresql://u:***@[::1]:6543/db");
}

BOOST_AUTO_TEST_CASE(malformed_postgres_urls_are_refused) {
  for (const char* bad : {"postgresql://h:0/db", "postgresql://h:65536/db", "postgresql://h:x/db",
                          "postgresql://h/db?sslmode=maybe", "postgresql://h/db?options=-c%20x", "postgresql://h/db?x",
                          "postgresql://h/db?sslmode=", "postgresql://u:p%zz@h/db", "postgresql://u:p%0@h/db",
                          "postgresql://h/d%00b", "postgresql://h1,h2/db", "postgresql://[::1/db",
                          "postgresql://h/db/extra", "postgresql://h/db#frag", "postgresql://h/db?connect_timeout=1s",
                          "mysql://h/db", "postgresq://h/db"}) {
    BOOST_TEST_CONTEXT("url '" << bad << "'") {
      BOOST_TEST(!postgres_target_from_url(bad).has_value());
      const config_error e = load_err({{"DATABASE_URL", bad}});
      BOOST_TEST(e.variable == "DATABASE_URL");
    }
  }
}

BOOST_AUTO_TEST_CASE(log_levels) {
  const std::pair<const char*, log_level> cases[] = {
      {"DEBUG", log_level::debug},     {"debug", log_level::debug},
      {"Info", log_level::info},       {"INFO", log_level::info},
      {"WARNING", log_level::warning}, {"warning", log_level::warning},
      {"WARN", log_level::warning},    {"warn", log_level::warning},
      {"ERROR", log_level::error},     {"eRRoR", log_level::error}};
  for (const auto& [text, level] : cases) {
    BOOST_TEST_CONTEXT("LOG_LEVEL=" << text) {
      BOOST_TEST((load_ok({{"LOG_LEVEL", text}}).level == level));
      BOOST_TEST((parse_log_level(text).value() == level));
    }
  }
}

BOOST_AUTO_TEST_CASE(log_level_malformed) {
  for (const char* bad : {"TRACE", "CRITICAL", "FATAL", "verbose", "INFO ", " INFO", "10",
                          "WARNINGS", "ERR"}) {
    BOOST_TEST_CONTEXT("LOG_LEVEL='" << bad << "'") {
      BOOST_TEST(load_err({{"LOG_LEVEL", bad}}).variable == "LOG_LEVEL");
      BOOST_TEST(!parse_log_level(bad).has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(log_level_names) {
  BOOST_TEST(to_string(log_level::debug) == "DEBUG");
  BOOST_TEST(to_string(log_level::info) == "INFO");
  BOOST_TEST(to_string(log_level::warning) == "WARNING");
  BOOST_TEST(to_string(log_level::error) == "ERROR");
  // Every name reads back as the same level.
  for (auto level : {log_level::debug, log_level::info, log_level::warning, log_level::error}) {
    BOOST_TEST((parse_log_level(to_string(level)).value() == level));
  }
}

BOOST_AUTO_TEST_CASE(ports) {
  BOOST_TEST(load_ok({{"PORT", "1"}}).port == 1);
  BOOST_TEST(load_ok({{"PORT", "65535"}}).port == 65535);
  BOOST_TEST(load_ok({{"PORT", "08080"}}).port == 8080);
  for (const char* bad : {"0", "65536", "99999999999999999999", "-1", "+80", "80a", " 80",
                          "80 ", "0x50", "8000.0", "http"}) {
    BOOST_TEST_CONTEXT("PORT='" << bad << "'") {
      BOOST_TEST(load_err({{"PORT", bad}}).variable == "PORT");
    }
  }
}

BOOST_AUTO_TEST_CASE(host) {
  BOOST_TEST(load_ok({{"HOST", "::"}}).host == "::");
  BOOST_TEST(load_ok({{"HOST", "localhost"}}).host == "localhost");
  BOOST_TEST(load_ok({{"HOST", ""}}).host == "0.0.0.0");
}

BOOST_AUTO_TEST_CASE(secret) {
  BOOST_TEST(!load_ok({{"WEBHOOK_SECRET", ""}}).webhook_secret.has_value());
  BOOST_TEST(load_ok({{"WEBHOOK_SECRET", "s3cr3t value"}}).webhook_secret.value() ==
             "s3cr3t value");
}

BOOST_AUTO_TEST_CASE(secret_never_in_error_text) {
  const std::string secret = "TOPSECRET-42";
  // Every kind of error, with the secret set and also smuggled into the bad
  // values themselves.
  const env_map cases[] = {
      {{"WEBHOOK_SECRET", secret}, {"DATABASE_URL", "mysql://x"}},
      {{"WEBHOOK_SECRET", secret}, {"DATABASE_URL", "sqlite:///" + secret + "/"}},
      {{"WEBHOOK_SECRET", secret}, {"LOG_LEVEL", "LOUD"}},
      {{"WEBHOOK_SECRET", secret}, {"LOG_LEVEL", secret}},
      {{"WEBHOOK_SECRET", secret}, {"PORT", "0"}},
      {{"WEBHOOK_SECRET", secret}, {"PORT", secret}},
  };
  for (const auto& env : cases) {
    const config_error e = load_err(env);
    BOOST_TEST(e.variable != "WEBHOOK_SECRET");
    BOOST_TEST(e.problem.find(secret) == std::string::npos);
    BOOST_TEST(e.variable.find(secret) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(first_error_wins_in_variable_order) {
  BOOST_TEST(load_err({{"DATABASE_URL", "x"}, {"LOG_LEVEL", "x"}, {"PORT", "x"}}).variable ==
             "DATABASE_URL");
  BOOST_TEST(load_err({{"LOG_LEVEL", "x"}, {"PORT", "x"}}).variable == "LOG_LEVEL");
}

BOOST_AUTO_TEST_CASE(operational_switches) {
  const config defaults = load_ok({});
  BOOST_TEST(!defaults.debug_endpoints);
  BOOST_TEST(!defaults.bench_routes);
  BOOST_TEST(defaults.synchronous_full);

  const config on = load_ok({{"DEBUG_ENDPOINTS", "1"}, {"WEBHOOKD_BENCH_ROUTES", "1"}, {"SQLITE_SYNCHRONOUS", "normal"}});
  BOOST_TEST(on.debug_endpoints);
  BOOST_TEST(on.bench_routes);
  BOOST_TEST(!on.synchronous_full);
  BOOST_TEST(load_ok({{"SQLITE_SYNCHRONOUS", "FULL"}}).synchronous_full);
  BOOST_TEST(!load_ok({{"DEBUG_ENDPOINTS", "0"}}).debug_endpoints);

  BOOST_TEST(load_err({{"DEBUG_ENDPOINTS", "yes"}}).variable == "DEBUG_ENDPOINTS");
  BOOST_TEST(load_err({{"WEBHOOKD_BENCH_ROUTES", "2"}}).variable == "WEBHOOKD_BENCH_ROUTES");
  BOOST_TEST(load_err({{"SQLITE_SYNCHRONOUS", "OFF"}}).variable == "SQLITE_SYNCHRONOUS");
}

BOOST_AUTO_TEST_CASE(docs_endpoints_switch) {
  BOOST_TEST(load_ok({}).docs_endpoints);
  BOOST_TEST(!load_ok({{"DOCS_ENDPOINTS", "0"}}).docs_endpoints);
  BOOST_TEST(load_ok({{"DOCS_ENDPOINTS", "1"}}).docs_endpoints);
  BOOST_TEST(load_err({{"DOCS_ENDPOINTS", "off"}}).variable == "DOCS_ENDPOINTS");
}

BOOST_AUTO_TEST_CASE(rotation_and_receiver_secrets) {
  const config c = load_ok({{"WEBHOOK_SECRET", "new"},
                            {"WEBHOOK_SECRET_PREVIOUS", "old"},
                            {"STANDARD_WEBHOOKS_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
                            {"STANDARD_WEBHOOKS_SECRET_PREVIOUS", "c2Vjb25k"},
                            {"WHATSAPP_APP_SECRET", "app"},
                            {"WHATSAPP_APP_SECRET_PREVIOUS", "app-old"},
                            {"WHATSAPP_VERIFY_TOKEN", "tok"},
                            {"WHATSAPP_MAX_BODY_BYTES", "2097152"}});
  BOOST_TEST(c.webhook_secret.value() == "new");
  BOOST_TEST(c.webhook_secret_previous.value() == "old");
  BOOST_TEST(c.standard_webhooks_key.value().size() == 24u);  // the base64 decoded
  BOOST_TEST(c.standard_webhooks_key_previous.value() == "second");
  BOOST_TEST(c.whatsapp_app_secret.value() == "app");
  BOOST_TEST(c.whatsapp_app_secret_previous.value() == "app-old");
  BOOST_TEST(c.whatsapp_verify_token.value() == "tok");
  BOOST_TEST(c.whatsapp_max_body == 2097152u);
  BOOST_TEST(c.webhook_configured());
  BOOST_TEST(c.whatsapp_configured());

  const config defaults = load_ok({});
  BOOST_TEST(!defaults.webhook_configured());
  BOOST_TEST(!defaults.whatsapp_configured());
  BOOST_TEST(defaults.whatsapp_max_body == 1048576u);
  // Standard Webhooks alone configures POST /webhook.
  BOOST_TEST(load_ok({{"STANDARD_WEBHOOKS_SECRET", "c2Vjb25k"}}).webhook_configured());
}

BOOST_AUTO_TEST_CASE(receiver_settings_that_are_refused) {
  BOOST_TEST(load_err({{"WEBHOOK_SECRET_PREVIOUS", "old"}}).variable == "WEBHOOK_SECRET_PREVIOUS");
  BOOST_TEST(load_err({{"STANDARD_WEBHOOKS_SECRET", "whsec_not base64"}}).variable == "STANDARD_WEBHOOKS_SECRET");
  BOOST_TEST(load_err({{"STANDARD_WEBHOOKS_SECRET", "whsec_"}}).variable == "STANDARD_WEBHOOKS_SECRET");
  BOOST_TEST(load_err({{"STANDARD_WEBHOOKS_SECRET_PREVIOUS", "c2Vjb25k"}}).variable ==
             "STANDARD_WEBHOOKS_SECRET_PREVIOUS");
  BOOST_TEST(load_err({{"WHATSAPP_APP_SECRET", "app"}}).variable == "WHATSAPP_VERIFY_TOKEN");
  BOOST_TEST(load_err({{"WHATSAPP_VERIFY_TOKEN", "tok"}}).variable == "WHATSAPP_APP_SECRET");
  BOOST_TEST(load_err({{"WHATSAPP_APP_SECRET_PREVIOUS", "x"}}).variable == "WHATSAPP_APP_SECRET_PREVIOUS");
  for (const char* bad : {"1023", "16777217", "1MiB", "-5", "99999999999"})
    BOOST_TEST(load_err({{"WHATSAPP_APP_SECRET", "a"}, {"WHATSAPP_VERIFY_TOKEN", "t"},
                         {"WHATSAPP_MAX_BODY_BYTES", bad}})
                 .variable == "WHATSAPP_MAX_BODY_BYTES");
}

BOOST_AUTO_TEST_CASE(receiver_secrets_never_in_error_text) {
  const std::string secret = "TOPSECRET-77";
  const env_map cases[] = {
    {{"WEBHOOK_SECRET_PREVIOUS", secret}},
    {{"STANDARD_WEBHOOKS_SECRET", "whsec_" + secret}},
    {{"STANDARD_WEBHOOKS_SECRET_PREVIOUS", secret}},
    {{"WHATSAPP_APP_SECRET", secret}},
    {{"WHATSAPP_VERIFY_TOKEN", secret}},
    {{"WHATSAPP_APP_SECRET", secret}, {"WHATSAPP_VERIFY_TOKEN", secret}, {"WHATSAPP_MAX_BODY_BYTES", secret}},
  };
  for (const auto& env : cases) {
    const config_error e = load_err(env);
    BOOST_TEST(e.problem.find(secret) == std::string::npos);
    BOOST_TEST(e.variable.find(secret) == std::string::npos);
  }
}
