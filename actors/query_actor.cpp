#include "actors/query_actor.hpp"

#include <array>
#include <optional>

#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/instrumented.hpp"
#include "actors/sqlite.hpp"
#include "messages/errors.hpp"

namespace webhookd {

namespace {

// Bits of message_query that change the SQL text; one prepared statement pair
// is cached per combination.
enum filter_bits : unsigned { by_sender = 1, by_since = 2, by_text = 4 };
constexpr unsigned filter_combinations = 8;

struct list_statements {
  sqlite::statement rows;
  sqlite::statement count;
};

struct query_state {
  static inline const char* name = "query";

  std::string path;
  json_logger* log = nullptr;
  sqlite::connection db;
  std::array<std::optional<list_statements>, filter_combinations> lists;
  sqlite::statement totals;
  sqlite::statement top_senders;
  sqlite::statement ts_range;
};

// LIKE with '\' as escape character: %, _ and \ in the needle match themselves.
std::string like_pattern(const std::string& needle) {
  std::string out;
  out.reserve(needle.size() + 2);
  out.push_back('%');
  for (char c : needle) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

std::string where_clause(unsigned filters) {
  std::string sql = " WHERE 1 = 1";
  if (filters & by_sender) sql += " AND from_msisdn = ?1";
  if (filters & by_since) sql += " AND ts >= ?2";
  if (filters & by_text) sql += " AND text LIKE ?3 ESCAPE '\\'";
  return sql;
}

list_statements prepare_list(sqlite::connection& db, unsigned filters) {
  auto where = where_clause(filters);
  return list_statements{
    db.prepare("SELECT message_id, from_msisdn, to_msisdn, ts, text FROM messages" + where +
               " ORDER BY ts, message_id LIMIT ?4 OFFSET ?5"),
    db.prepare("SELECT COUNT(*) FROM messages" + where),
  };
}

// Opens the read connection on first use (the storage actor creates the file
// and schema; until it has, reads fail cleanly and are retried next time).
sqlite::connection& connection_for(query_state& st) {
  if (!st.db) {
    sqlite::connection db{st.path, sqlite::connection::mode::read_only};
    db.exec("PRAGMA busy_timeout = 5000");
    st.totals = db.prepare("SELECT messages, senders FROM message_totals WHERE id = 1");
    st.top_senders = db.prepare(
      "SELECT from_msisdn, message_count FROM sender_counts "
      "ORDER BY message_count DESC, from_msisdn ASC LIMIT 10");
    st.ts_range = db.prepare("SELECT (SELECT MIN(ts) FROM messages), (SELECT MAX(ts) FROM messages)");
    st.db = std::move(db);
  }
  return st.db;
}

void drop_connection(query_state& st) {
  for (auto& entry : st.lists) entry.reset();
  st.totals = {};
  st.top_senders = {};
  st.ts_range = {};
  st.db = {};
}

// Runs `body` inside one read transaction, so every figure of an answer comes
// from the same snapshot. Any SQLite failure becomes storage_unavailable.
template <class T, class F>
caf::result<T> read_snapshot(query_state& st, F body) {
  try {
    auto& db = connection_for(st);
    db.exec("BEGIN");
    try {
      T value = body(db);
      db.exec("COMMIT");
      return value;
    } catch (...) {
      db.rollback_if_active();
      throw;
    }
  } catch (const sqlite::error& e) {
    st.log->log(log_level::error, "query failed", {{"error", e.what()}});
    drop_connection(st);
    return make_error(webhookd_errc::storage_unavailable);
  }
}

message_page list_messages(query_state& st, sqlite::connection& db, const message_query& q) {
  unsigned filters = (q.from ? by_sender : 0u) | (q.since ? by_since : 0u) | (q.q ? by_text : 0u);
  auto& cached = st.lists[filters];
  if (!cached) cached = prepare_list(db, filters);
  auto bind_filters = [&](sqlite::statement& stmt) {
    if (q.from) stmt.bind(1, std::string_view{*q.from});
    if (q.since) stmt.bind(2, std::string_view{*q.since});
    if (q.q) stmt.bind(3, std::string_view{like_pattern(*q.q)});
  };
  message_page page;
  auto& rows = cached->rows;
  bind_filters(rows);
  rows.bind(4, static_cast<std::int64_t>(q.limit));
  rows.bind(5, q.offset);
  while (rows.step())
    page.data.push_back(message_record{rows.column_text(0), rows.column_text(1), rows.column_text(2),
                                       rows.column_text(3), rows.column_optional_text(4)});
  rows.reset();
  if (filters == 0) {
    // Unfiltered: the running total kept by the insert trigger, no scan.
    st.totals.step();
    page.total = st.totals.column_int(0);
    st.totals.reset();
  } else {
    auto& count = cached->count;
    bind_filters(count);
    count.step();
    page.total = count.column_int(0);
    count.reset();
  }
  return page;
}

stats_snapshot read_stats(query_state& st) {
  stats_snapshot stats;
  if (st.totals.step()) {
    stats.total_messages = st.totals.column_int(0);
    stats.senders_count = st.totals.column_int(1);
  }
  st.totals.reset();
  while (st.top_senders.step())
    stats.messages_per_sender.push_back({st.top_senders.column_text(0), st.top_senders.column_int(1)});
  st.top_senders.reset();
  if (st.ts_range.step()) {
    stats.first_message_ts = st.ts_range.column_optional_text(0);
    stats.last_message_ts = st.ts_range.column_optional_text(1);
  }
  st.ts_range.reset();
  return stats;
}

query_actor::behavior_type query(query_actor::stateful_pointer<query_state> self, std::string path,
                                 probe_ptr probe, json_logger* log) {
  watch_actor(self, probe, "detached");
  self->state.path = std::move(path);
  self->state.log = log;
  return {
    instrumented(self, probe,
                 [self](list_atom, const message_query& q) -> caf::result<message_page> {
                   auto& st = self->state;
                   return read_snapshot<message_page>(
                     st, [&](sqlite::connection& db) { return list_messages(st, db, q); });
                 }),
    instrumented(self, probe, [self](stats_atom) -> caf::result<stats_snapshot> {
      auto& st = self->state;
      return read_snapshot<stats_snapshot>(st, [&](sqlite::connection&) { return read_stats(st); });
    }),
  };
}

}  // namespace

query_actor spawn_query(caf::actor_system& sys, std::string database_path, int instance,
                        service_metrics& metrics, json_logger& log) {
  return sys.spawn<caf::detached>(query, std::move(database_path),
                                  metrics.actor("query", std::to_string(instance)), &log);
}

}  // namespace webhookd
