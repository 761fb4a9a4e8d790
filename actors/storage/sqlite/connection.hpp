// A thin RAII layer over the SQLite C API, used only by the storage and query
// actors (each connection is owned by exactly one actor thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace webhookd::sqlite {

// Thrown for any SQLite failure; what() holds SQLite's text, which is logged
// but never sent to an HTTP client.
class error : public std::runtime_error {
 public:
  error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class statement {
 public:
  statement() = default;
  statement(sqlite3* db, std::string_view sql);
  statement(statement&& other) noexcept;
  statement& operator=(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  // Binding indexes start at 1, as in SQLite.
  void bind(int index, std::string_view value);
  void bind(int index, std::int64_t value);
  void bind_null(int index);
  void bind(int index, const std::optional<std::string>& value);

  // Advances; true while a row is available.
  bool step();
  // Ready for the next execution, bindings cleared.
  void reset();

  std::string column_text(int column) const;
  // The column's text without a copy: valid until the next step() or reset().
  std::string_view column_view(int column) const;
  std::optional<std::string> column_optional_text(int column) const;
  std::int64_t column_int(int column) const;
  bool column_is_null(int column) const;
  int column_count() const;

  explicit operator bool() const { return stmt_ != nullptr; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Process-wide SQLite settings, applied once; call before the first
// connection opens (SQLite refuses them afterwards, and this then does
// nothing). Turns off SQLite's memory statistics, which take one mutex
// around every allocation of every connection.
void configure_library();

class connection {
 public:
  enum class mode { read_write_create, read_write, read_only };

  connection() = default;
  // `vfs`: the name of a registered SQLite VFS; null for the default one.
  connection(const std::string& path, mode open_mode, const char* vfs = nullptr);
  connection(connection&& other) noexcept;
  connection& operator=(connection&& other) noexcept;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  void exec(std::string_view sql);
  // Resets every statement of this connection that is still stepping. A
  // SELECT left mid-way keeps its read snapshot even after COMMIT, and the
  // next transaction would read that old snapshot again.
  void reset_active_statements() noexcept;
  // Rolls back the open transaction, if any; never throws (for error paths,
  // where SQLite may already have rolled back by itself).
  void rollback_if_active() noexcept;
  statement prepare(std::string_view sql) { return statement{db_, sql}; }
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int changes() const;

  // Asks `should_stop` every `every` virtual machine steps of any statement;
  // when it says yes, the statement fails with an error whose code is
  // interrupted_code (and the connection stays usable).
  void interrupt_when(std::function<bool()> should_stop, int every = 1000);
  // Asks the same question between statements (for work that SQLite does
  // inside one step, where the progress handler is never called: an FTS5
  // query's first match): throws the interrupted error when it says yes.
  void stop_if_asked() const;
  static const int interrupted_code;
  sqlite3* handle() const { return db_; }
  explicit operator bool() const { return db_ != nullptr; }

 private:
  sqlite3* db_ = nullptr;
  std::unique_ptr<std::function<bool()>> should_stop_;  // stable address for SQLite's callback
};

}  // namespace webhookd::sqlite
