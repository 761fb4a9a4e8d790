// Message tags for the typed actor interfaces (CAF 0.17 atoms: at most 10 characters).
#pragma once

#include <caf/atom.hpp>

namespace webhookd {

using verify_atom = caf::atom_constant<caf::atom("verify")>;
using store_atom = caf::atom_constant<caf::atom("store")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using render_atom = caf::atom_constant<caf::atom("render")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using run_atom = caf::atom_constant<caf::atom("run")>;

// Messages an actor sends only to itself or to a private helper live with that
// actor (actors/request_bridge.hpp, actors/storage/sqlite/atoms.hpp).

}  // namespace webhookd
