// `webhookd copy-db`: every message of a SQLite database into PostgreSQL,
// with the aggregates built by the PostgreSQL storage actor's own batch
// writer. Resumable (each chunk commits with its resume point) and idempotent
// (a message already in the target is skipped and not counted again).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "config/config.hpp"

namespace webhookd {

struct copy_progress {
  std::int64_t source_rows = 0;  // in the source when the copy started
  std::int64_t copied = 0;       // read and committed, earlier runs included
  std::int64_t created = 0;      // new in the target, this run
  std::int64_t refused = 0;      // rows holding U+0000, which PostgreSQL cannot store
  bool resumed = false;          // an earlier run had committed some chunks
};

// Runs the copy, calling `on_chunk` after each commit; `from_start` reads the
// whole source again (rows the source gained below the resume point since an
// earlier run: those already in the target are skipped). Throws
// std::runtime_error with a message for the operator (never the password).
copy_progress copy_sqlite_to_postgres(const std::string& source_path, const postgres_target& target,
                                      const std::function<void(const copy_progress&)>& on_chunk,
                                      bool from_start = false, int chunk_rows = 5000);

}  // namespace webhookd
