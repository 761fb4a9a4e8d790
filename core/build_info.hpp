// What this binary is: the release version and the git revision it was built
// from ("unknown" in images built without .git).
#pragma once

namespace webhookd {

const char* build_version();
const char* build_revision();

}  // namespace webhookd
