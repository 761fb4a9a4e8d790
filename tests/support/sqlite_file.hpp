// Looks into a SQLite file the way an operator's sqlite3 shell would: an
// independent connection through the backend's own RAII wrapper, for tests
// that check what is on disk.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/storage/sqlite/connection.hpp"

namespace webhookd::test {

class sqlite_file {
 public:
  using row = std::vector<std::optional<std::string>>;

  // `writable`: create the file if need be and allow writes. A reader of a
  // file in WAL mode that another process uses may need read_write all the
  // same (to write the -shm file): pass the mode itself then.
  explicit sqlite_file(const std::string& path, bool writable = false)
    : sqlite_file(path, writable ? sqlite::connection::mode::read_write_create : sqlite::connection::mode::read_only) {}
  sqlite_file(const std::string& path, sqlite::connection::mode mode) : db_(path, mode) {
    db_.exec("PRAGMA busy_timeout = 5000");
  }

  void exec(const std::string& sql) { db_.exec(sql); }

  std::vector<row> rows(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto stmt = db_.prepare(sql);
    for (std::size_t i = 0; i < params.size(); ++i) stmt.bind(static_cast<int>(i + 1), std::string_view{params[i]});
    std::vector<row> out;
    while (stmt.step()) {
      row r;
      for (int c = 0; c < stmt.column_count(); ++c) r.push_back(stmt.column_optional_text(c));
      out.push_back(std::move(r));
    }
    return out;
  }

  std::int64_t scalar(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto result = rows(sql, params);
    if (result.size() != 1 || result[0].empty() || !result[0][0]) throw std::runtime_error("not a scalar: " + sql);
    return std::stoll(*result[0][0]);
  }

  sqlite::connection& connection() { return db_; }

 private:
  sqlite::connection db_;
};

}  // namespace webhookd::test
