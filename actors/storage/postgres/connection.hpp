// A thin RAII layer over libpq, used only by the PostgreSQL backend's actors
// (each connection is owned by exactly one detached actor thread).
//
// Every statement is sent asynchronously and waited for in short polls, so a
// read can be cancelled on the server (PQcancel) when its deadline passes or
// the service stops, instead of holding its actor until PostgreSQL is done.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace webhookd::postgres {

// Thrown for any failure. what() is libpq's or the server's text: logged, never
// sent to a client, and free of the password (libpq does not repeat it).
class error : public std::runtime_error {
 public:
  enum class kind {
    connection,  // no connection, or it broke: reconnect
    cancelled,   // stopped by our own cancel request (deadline, shutdown)
    statement,   // the server refused the statement; the connection is fine
  };
  error(kind k, std::string sqlstate, const std::string& what)
    : std::runtime_error(what), kind_(k), sqlstate_(std::move(sqlstate)) {}
  kind what_kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  kind kind_;
  std::string sqlstate_;
};

class result {
 public:
  result() = default;
  explicit result(pg_result* res) : res_(res) {}
  result(result&& other) noexcept : res_(other.res_) { other.res_ = nullptr; }
  result& operator=(result&& other) noexcept;
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  ~result();

  int rows() const;
  bool is_null(int row, int column) const;
  // Valid while this result lives.
  std::string_view text(int row, int column) const;
  std::optional<std::string_view> optional_text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  bool boolean(int row, int column) const;

 private:
  pg_result* res_ = nullptr;
};

// A statement parameter in text form; nullopt is SQL NULL.
using parameter = std::optional<std::string_view>;
// Asked between polls: true stops the statement under way (cancelled).
using stop_check = std::function<bool()>;

class connection {
 public:
  connection() = default;
  // Connects (blocking, bounded by the conninfo's connect_timeout); throws
  // error::kind::connection.
  explicit connection(const std::string& conninfo);
  connection(connection&& other) noexcept : conn_(other.conn_), prepared_(std::move(other.prepared_)) {
    other.conn_ = nullptr;
    other.prepared_.clear();
  }
  connection& operator=(connection&& other) noexcept;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  explicit operator bool() const { return conn_ != nullptr; }

  // Runs one statement and returns its result; `stop` may cancel it.
  result exec(const std::string& sql, const std::vector<parameter>& params = {}, const stop_check& stop = {});
  // The same, through a statement prepared on this connection the first time
  // `sql` is run on it: the reads' few statement shapes are parsed and planned
  // once per connection, not per request (about half of a page's server CPU).
  result exec_prepared(const std::string& sql, const std::vector<parameter>& params = {},
                       const stop_check& stop = {});
  // ROLLBACK if a transaction is open; never throws.
  void rollback_if_active() noexcept;

 private:
  // Waits for the statement just sent and returns its last result.
  result collect(const stop_check& stop);

  pg_conn* conn_ = nullptr;
  // SQL text -> name of its prepared statement on this connection.
  std::unordered_map<std::string, std::string> prepared_;
};

// The text form of a PostgreSQL text[] / bigint[] array literal:
// {"a","b\"c",NULL}. Strings may not hold NUL bytes (PostgreSQL text cannot).
class array_literal {
 public:
  void add(std::string_view value);
  void add_null();
  void add(std::int64_t value);
  const std::string& str();

 private:
  std::string out_ = "{";
  bool closed_ = false;
};

}  // namespace webhookd::postgres
