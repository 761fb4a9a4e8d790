// The text indexer: keeps the text index (text_index.hpp) up to date with the
// messages, on a thread and write connection of its own and in a database
// file of its own, so that no commit of the storage actor waits for FTS5.
//
// Every poll_interval (at once while it is behind) it reads the arrival log
// past the last row it indexed and adds up to chunk_rows of those rows in one
// transaction of the index file. When the index is missing, belongs to
// another database (a file replaced or migrated) or has fallen behind what
// the log still holds, it is rebuilt from every row of one snapshot of the
// messages. Readers test the rows it has not reached yet directly, so its
// lag costs reads a little and never changes an answer. Once caught up and
// idle for a second, it merges the index's segments, step by step, until
// nothing is left to merge or rows arrive again.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/typed_actor.hpp>

#include "actors/storage/sqlite/atoms.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"

namespace webhookd {

using text_indexer_actor = caf::typed_actor<caf::reacts_to<index_atom>>;

// `stopping`: once true, work under way is stopped at once (a rebuild of a
// large index takes minutes; shutdown does not wait for it).
text_indexer_actor spawn_text_indexer(caf::actor_system& sys, std::string database_path, service_metrics& metrics,
                                      json_logger& log, std::shared_ptr<const std::atomic<bool>> stopping);

}  // namespace webhookd
