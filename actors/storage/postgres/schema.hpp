// The PostgreSQL schema and its versioned migrations. Replicas starting at
// the same moment apply them one at a time under an advisory lock, so none
// races another or fails on a half-made table.
#pragma once

#include <stdexcept>

#include "actors/storage/postgres/connection.hpp"

namespace webhookd::postgres {

inline constexpr int current_schema_version = 3;

// The database was migrated by a newer release than this one.
class schema_too_new : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Brings the schema to current_schema_version (nothing when it is there).
void migrate_schema(connection& db);

// The version recorded in the database; 0 before the first migration.
int schema_version(connection& db);

}  // namespace webhookd::postgres
