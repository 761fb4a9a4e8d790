// The database schema and its migrations, applied by the storage actor.
#pragma once

#include "actors/storage/sqlite/connection.hpp"

namespace webhookd {

// The schema version this release writes (kept in PRAGMA user_version).
inline constexpr int current_schema_version = 2;

// Brings the database up to current_schema_version in one transaction.
// Throws sqlite::error on failure, and schema_too_new when the file was
// written by a newer release.
void migrate_schema(sqlite::connection& db);

int schema_version(sqlite::connection& db);

struct schema_too_new : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace webhookd
