// The typed interfaces of webhookd's actors: the only way the HTTP layer and
// the actors talk to each other.
#pragma once

#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/message_types.hpp"

namespace webhookd {

// Checks a request's signature under its scheme's secrets (the current one and,
// during a rotation, the previous one). Stateless; a pool of them runs on
// CAF's scheduler beside the storage actor.
using verifier_actor = caf::typed_actor<
  caf::replies_to<verify_atom, signature_check>::with<signature_verdict>>;

// Sole writer of its process's database connection. Answers a store request
// only after the transaction holding it has committed (or failed).
using storage_actor = caf::typed_actor<
  caf::replies_to<store_atom, message_record>::with<store_outcome>,
  // Several records (a WhatsApp notification's messages) in one transaction,
  // one outcome each, in order; a message_id repeated inside the request is a
  // duplicate from its second occurrence on.
  caf::replies_to<store_atom, std::vector<message_record>>::with<std::vector<store_outcome>>,
  caf::replies_to<health_atom>::with<storage_health>>;

// Answers reads from its own read connection; several run side by side.
using query_actor = caf::typed_actor<
  caf::replies_to<list_atom, message_query>::with<rendered_page>,
  caf::replies_to<stats_atom>::with<stats_snapshot>>;

// Renders the metrics registry in Prometheus text format.
using metrics_actor = caf::typed_actor<
  caf::replies_to<render_atom>::with<std::string>>;

// Does no work at all: the benchmark's yardstick for one actor round trip.
using null_actor = caf::typed_actor<
  caf::replies_to<ping_atom>::with<bool>>;

// Runs HTTP-side continuations inside an actor so they can issue typed requests
// and receive the replies without blocking any thread.
using bridge_actor = caf::typed_actor<caf::reacts_to<run_atom, bridge_task>>;

}  // namespace webhookd
