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

// Internal to the storage actor: commit the pending batch / try to open again.
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using reopen_atom = caf::atom_constant<caf::atom("reopen")>;

// Internal to a request bridge: time to give up on overdue requests.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

// From the storage actor to its checkpointer: the WAL has grown, copy it back.
using checkpoint_atom = caf::atom_constant<caf::atom("checkpoint")>;

}  // namespace webhookd
