// The SQLite database schema and its migration, applied by the storage actor.
#pragma once

#include <stdexcept>

#include "actors/storage/sqlite/connection.hpp"

namespace webhookd::sqlite {

// The schema version this release writes (kept in PRAGMA user_version).
// 3: rows numbered in ts order (row_key.hpp), aggregates written by the
// storage actor per batch instead of triggers, the arrival log.
// 4: the sender index holds whole rows, in page order (schema.cpp).
inline constexpr int current_schema_version = 4;

// The SQL functions the migration and the writer use (row keys); register
// them on the storage connection before migrate_schema.
void register_schema_functions(connection& db);

// Brings the database to current_schema_version in one transaction: creates
// it when empty, or rebuilds an older one (a FastAPI service's file with its
// messages table only, or versions 1 and 2 of this one) keeping every row and
// backfilling the aggregates. Throws sqlite::error on
// failure, and schema_too_new when the file was written by a newer release.
void migrate_schema(connection& db);

int schema_version(connection& db);

struct schema_too_new : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace webhookd::sqlite
