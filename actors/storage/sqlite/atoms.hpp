// Messages private to the SQLite backend's actors (CAF 0.17 atoms: at most 10
// characters). They never cross into the shared contract in messages/.
#pragma once

#include <caf/atom.hpp>

namespace webhookd {

// The storage actor to itself: commit the pending batch / try to open again.
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using reopen_atom = caf::atom_constant<caf::atom("reopen")>;
// The storage actor to itself: trim the arrival log if nothing is waiting.
using trim_atom = caf::atom_constant<caf::atom("trim")>;
// The text indexer to itself: see whether rows arrived that it has not indexed.
using index_atom = caf::atom_constant<caf::atom("index")>;

// The storage actor to its checkpointer: the WAL has grown, copy it back.
using checkpoint_atom = caf::atom_constant<caf::atom("checkpoint")>;

}  // namespace webhookd
