#include "actors/storage/postgres/connection.hpp"

#include <cerrno>
#include <charconv>

#include <libpq-fe.h>
#include <poll.h>

namespace webhookd::postgres {

namespace {

// How often a statement under way looks at its stop check.
constexpr int poll_interval_ms = 10;
// SQLSTATE 57014: query_canceled (our own PQcancel, or statement_timeout).
constexpr std::string_view query_canceled = "57014";

std::string trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

[[noreturn]] void throw_connection_error(pg_conn* conn, const char* fallback) {
  std::string text = conn != nullptr ? trimmed(PQerrorMessage(conn)) : std::string{};
  throw error(error::kind::connection, {}, text.empty() ? fallback : text);
}

}  // namespace

result& result::operator=(result&& other) noexcept {
  if (this != &other) {
    if (res_ != nullptr) PQclear(res_);
    res_ = other.res_;
    other.res_ = nullptr;
  }
  return *this;
}

result::~result() {
  if (res_ != nullptr) PQclear(res_);
}

int result::rows() const { return res_ != nullptr ? PQntuples(res_) : 0; }

bool result::is_null(int row, int column) const { return PQgetisnull(res_, row, column) != 0; }

std::string_view result::text(int row, int column) const {
  return {PQgetvalue(res_, row, column), static_cast<std::size_t>(PQgetlength(res_, row, column))};
}

std::optional<std::string_view> result::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return text(row, column);
}

std::int64_t result::integer(int row, int column) const {
  const auto digits = text(row, column);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size())
    throw error(error::kind::statement, {}, "not an integer: column " + std::to_string(column));
  return value;
}

bool result::boolean(int row, int column) const { return text(row, column) == "t"; }

connection::connection(const std::string& conninfo) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (conn_ == nullptr) throw error(error::kind::connection, {}, "out of memory");
  // Server notices (NOTICE: relation exists, skipping) are not errors and
  // must not reach stderr in the middle of the JSON log.
  if (PQstatus(conn_) == CONNECTION_OK) PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  if (PQstatus(conn_) != CONNECTION_OK || PQsetnonblocking(conn_, 1) != 0) {
    // The destructor does not run for a constructor that throws: close here.
    std::string text = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw error(error::kind::connection, {}, text.empty() ? "connection failed" : text);
  }
}

connection& connection::operator=(connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = other.conn_;
    other.conn_ = nullptr;
    prepared_ = std::move(other.prepared_);
    other.prepared_.clear();
  }
  return *this;
}

connection::~connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

namespace {

// libpq's parameter arrays for `params`; `copies` holds the NUL-terminated texts.
struct parameter_arrays {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<std::string> copies;

  explicit parameter_arrays(const std::vector<parameter>& params) {
    copies.reserve(params.size());
    for (const auto& p : params) {
      if (p) {
        copies.emplace_back(*p);
        values.push_back(copies.back().c_str());
        lengths.push_back(static_cast<int>(p->size()));
      } else {
        values.push_back(nullptr);
        lengths.push_back(0);
      }
    }
  }
  int count() const { return static_cast<int>(values.size()); }
};

}  // namespace

result connection::exec(const std::string& sql, const std::vector<parameter>& params, const stop_check& stop) {
  if (conn_ == nullptr) throw error(error::kind::connection, {}, "not connected");
  const parameter_arrays args(params);
  if (PQsendQueryParams(conn_, sql.c_str(), args.count(), nullptr, args.values.data(), args.lengths.data(), nullptr,
                        0) == 0)
    throw_connection_error(conn_, "cannot send the statement");
  return collect(stop);
}

result connection::exec_prepared(const std::string& sql, const std::vector<parameter>& params,
                                 const stop_check& stop) {
  if (conn_ == nullptr) throw error(error::kind::connection, {}, "not connected");
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    const std::string name = "webhookd_" + std::to_string(prepared_.size() + 1);
    if (PQsendPrepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(params.size()), nullptr) == 0)
      throw_connection_error(conn_, "cannot send the statement");
    collect(stop);  // throws if the server refused it: nothing is remembered then
    found = prepared_.emplace(sql, name).first;
  }
  const parameter_arrays args(params);
  if (PQsendQueryPrepared(conn_, found->second.c_str(), args.count(), args.values.data(), args.lengths.data(),
                          nullptr, 0) == 0)
    throw_connection_error(conn_, "cannot send the statement");
  return collect(stop);
}

result connection::collect(const stop_check& stop) {
  bool cancelled = false;
  // Waits (in short polls, asking `stop` between them) until a result can be
  // taken without blocking; non-blocking sends are pushed out meanwhile.
  auto wait_for_result = [&] {
    for (;;) {
      const int flushed = PQflush(conn_);
      if (flushed < 0) throw_connection_error(conn_, "cannot send the statement");
      if (PQconsumeInput(conn_) == 0) throw_connection_error(conn_, "connection lost");
      if (flushed == 0 && PQisBusy(conn_) == 0) return;
      if (!cancelled && stop && stop()) {
        // The server stops the statement and answers it with 57014.
        if (PGcancel* cancel = PQgetCancel(conn_)) {
          char message[256];
          PQcancel(cancel, message, sizeof message);
          PQfreeCancel(cancel);
        }
        cancelled = true;
      }
      pollfd fd{PQsocket(conn_), static_cast<short>(POLLIN | (flushed == 1 ? POLLOUT : 0)), 0};
      if (::poll(&fd, 1, poll_interval_ms) < 0 && errno != EINTR) throw_connection_error(conn_, "poll failed");
    }
  };
  result last;
  std::optional<error> failure;
  for (;;) {
    wait_for_result();
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) break;
    const auto status = PQresultStatus(res);
    if (status == PGRES_FATAL_ERROR && !failure) {
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      std::string sqlstate = state != nullptr ? state : "";
      auto kind = sqlstate == query_canceled && cancelled ? error::kind::cancelled : error::kind::statement;
      if (PQstatus(conn_) == CONNECTION_BAD || sqlstate.empty() || sqlstate.rfind("08", 0) == 0 ||
          sqlstate.rfind("57P", 0) == 0)
        kind = error::kind::connection;  // broken, or the server is going away (57P01 admin shutdown)
      failure.emplace(kind, sqlstate, trimmed(PQresultErrorMessage(res)));
    }
    last = result{res};
  }
  if (PQstatus(conn_) == CONNECTION_BAD) throw_connection_error(conn_, "connection lost");
  if (failure) throw *failure;
  return last;
}

void connection::rollback_if_active() noexcept {
  if (conn_ == nullptr || PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
  try {
    exec("ROLLBACK");
  } catch (...) {
    // A broken connection has no transaction left to roll back.
  }
}

void array_literal::add(std::string_view value) {
  if (out_.size() > 1) out_.push_back(',');
  out_.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out_.push_back('\\');
    out_.push_back(c);
  }
  out_.push_back('"');
}

void array_literal::add_null() {
  if (out_.size() > 1) out_.push_back(',');
  out_.append("NULL");
}

void array_literal::add(std::int64_t value) {
  if (out_.size() > 1) out_.push_back(',');
  out_.append(std::to_string(value));
}

const std::string& array_literal::str() {
  if (!closed_) {
    out_.push_back('}');
    closed_ = true;
  }
  return out_;
}

}  // namespace webhookd::postgres
