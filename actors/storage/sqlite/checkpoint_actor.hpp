// The checkpointer: copies committed WAL frames back into the database file.
//
// SQLite normally does this inside a commit, on the writer's thread, every
// 1,000 WAL pages; at full ingest that was a checkpoint every few commits,
// each one copying about a thousand pages and fsyncing the database file
// while every waiting webhook waited too. The storage actor asks this actor
// (a `checkpoint` message) every 250 new pages instead; it runs a PASSIVE
// checkpoint on its own read-write connection and thread (detached: it
// blocks on fsync), beside the next commits, so the inline checkpoint left at
// 1,000 pages has little to copy. It never touches rows and answers nobody:
// a failure here (logged, retried on the next message) only moves the
// copying back into the commits.
#pragma once

#include <string>

#include <caf/actor_system.hpp>
#include <caf/typed_actor.hpp>

#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "actors/storage/sqlite/atoms.hpp"

namespace webhookd {

// Copies committed WAL frames into the database file on its own connection and
// thread, when the storage actor asks; nothing waits for it.
using checkpoint_actor = caf::typed_actor<caf::reacts_to<checkpoint_atom>>;

checkpoint_actor spawn_checkpointer(caf::actor_system& sys, std::string database_path,
                                    service_metrics& metrics, json_logger& log);

}  // namespace webhookd
