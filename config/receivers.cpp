// The receivers' secrets and settings: secret rotation (a _PREVIOUS variable
// beside each secret, so no list separator has to be kept out of secrets),
// Standard Webhooks keys, the WhatsApp receiver. Problems name the variable
// and the expected form, never the value.
#include "config/config.hpp"

#include "core/standard_webhooks.hpp"

namespace webhookd {

namespace {

std::optional<std::string> read_string(const getenv_function& getenv, const char* name) {
  auto raw = read_env(getenv, name);
  return raw ? std::optional<std::string>{std::string{*raw}} : std::nullopt;
}

// A previous secret is only accepted beside a current one: alone it would
// mean the rotation was done the wrong way round.
std::optional<config_error> previous_needs_current(const std::optional<std::string>& current,
                                                   const std::optional<std::string>& previous,
                                                   const char* current_name, const char* previous_name) {
  if (previous && !current) return config_error{previous_name, std::string{"is set but "} + current_name + " is not"};
  return std::nullopt;
}

std::optional<config_error> read_standard_webhooks_key(const getenv_function& getenv, const char* name,
                                                       std::optional<std::string>& key) {
  auto raw = read_env(getenv, name);
  if (!raw) return std::nullopt;
  key = decode_standard_webhooks_secret(*raw);
  if (!key) return config_error{name, "must be whsec_ followed by the base64 (standard alphabet, padded) of the key"};
  return std::nullopt;
}

}  // namespace

std::optional<config_error> load_receiver_settings(const getenv_function& getenv, config& cfg) {
  cfg.webhook_secret_previous = read_string(getenv, "WEBHOOK_SECRET_PREVIOUS");
  if (auto e = previous_needs_current(cfg.webhook_secret, cfg.webhook_secret_previous, "WEBHOOK_SECRET",
                                      "WEBHOOK_SECRET_PREVIOUS"))
    return e;

  if (auto e = read_standard_webhooks_key(getenv, "STANDARD_WEBHOOKS_SECRET", cfg.standard_webhooks_key)) return e;
  if (auto e = read_standard_webhooks_key(getenv, "STANDARD_WEBHOOKS_SECRET_PREVIOUS",
                                          cfg.standard_webhooks_key_previous))
    return e;
  if (auto e = previous_needs_current(cfg.standard_webhooks_key, cfg.standard_webhooks_key_previous,
                                      "STANDARD_WEBHOOKS_SECRET", "STANDARD_WEBHOOKS_SECRET_PREVIOUS"))
    return e;

  cfg.whatsapp_app_secret = read_string(getenv, "WHATSAPP_APP_SECRET");
  cfg.whatsapp_app_secret_previous = read_string(getenv, "WHATSAPP_APP_SECRET_PREVIOUS");
  cfg.whatsapp_verify_token = read_string(getenv, "WHATSAPP_VERIFY_TOKEN");
  if (auto e = previous_needs_current(cfg.whatsapp_app_secret, cfg.whatsapp_app_secret_previous,
                                      "WHATSAPP_APP_SECRET", "WHATSAPP_APP_SECRET_PREVIOUS"))
    return e;
  // Meta needs both: the token to subscribe the URL, the secret to sign.
  if (cfg.whatsapp_app_secret && !cfg.whatsapp_verify_token)
    return config_error{"WHATSAPP_VERIFY_TOKEN", "must be set together with WHATSAPP_APP_SECRET"};
  if (cfg.whatsapp_verify_token && !cfg.whatsapp_app_secret)
    return config_error{"WHATSAPP_APP_SECRET", "must be set together with WHATSAPP_VERIFY_TOKEN"};

  if (auto raw = read_env(getenv, "WHATSAPP_MAX_BODY_BYTES")) {
    constexpr std::size_t low = 1024;
    constexpr std::size_t high = 16 * 1024 * 1024;
    auto size = parse_decimal(*raw, low, high);
    if (!size) return config_error{"WHATSAPP_MAX_BODY_BYTES", "must be a number of bytes from 1024 to 16777216"};
    cfg.whatsapp_max_body = *size;
  }
  return std::nullopt;
}

}  // namespace webhookd
