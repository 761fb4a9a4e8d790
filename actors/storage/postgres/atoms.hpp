// Messages private to the PostgreSQL backend's actors (CAF 0.17 atoms: at most
// 10 characters). They never cross into the shared contract in messages/.
#pragma once

#include <caf/atom.hpp>

namespace webhookd::postgres {

// The storage actor to itself: commit the pending batch / connect again.
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;

}  // namespace webhookd::postgres
