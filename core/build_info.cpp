#include "core/build_info.hpp"

namespace webhookd {

const char* build_version() { return WEBHOOKD_VERSION; }
const char* build_revision() { return WEBHOOKD_REVISION; }

}  // namespace webhookd
