#include "actors/storage/sqlite/query_actor.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/storage/sqlite/count_cache.hpp"
#include "actors/storage/sqlite/day_anchors.hpp"
#include "actors/storage/sqlite/day_offsets.hpp"
#include "core/instrumented.hpp"
#include "actors/storage/sqlite/match_list.hpp"
#include "actors/storage/sqlite/row_cache.hpp"
#include "actors/storage/sqlite/connection.hpp"
#include "core/message_page_json.hpp"
#include "messages/string_pool.hpp"
#include "messages/errors.hpp"

namespace webhookd {

namespace {

// Bits of message_query that change the SQL text; one prepared statement pair
// is cached per combination.
enum filter_bits : unsigned { by_sender = 1, by_since = 2, by_text = 4 };
constexpr unsigned filter_combinations = 8;
// "YYYY-MM-DD", the key of day_counts (schema version 2).
constexpr std::size_t day_key_length = 10;

struct list_statements {
  sqlite::statement rows;
  sqlite::statement rest;         // the page from one row on (read_rows)
  sqlite::statement count;
  sqlite::statement count_after;  // count, among rows with rowid > ?6 only
  sqlite::statement keys_after;   // match keys, among rows with rowid > ?6 only
};

// Filter combinations whose totals a query actor remembers (count_cache.hpp),
// and the longest key worth remembering (a q can be kilobytes long).
constexpr std::size_t remembered_counts = 256;
constexpr std::size_t longest_remembered_key = 1024;
// q searches whose first matches a query actor remembers (match_list.hpp),
// and how many: pages up to offset + limit = 500 are written from the list.
constexpr std::size_t remembered_match_lists = 16;
constexpr std::size_t longest_match_list = 500;
// SQLite's page cache per query connection. A q page walks a few hundred
// rows in ts order, scattered over the table; with SQLite's default 2 MB the
// walk's pages did not stay cached from one request to the next (an LRU cache
// a little smaller than a repeated walk misses on every page), and q=invoice
// on a million rows ran at a third of the speed it does with 8 MiB.
constexpr int page_cache_kib = 8 * 1024;
// Rendered rows a query actor keeps (row_cache.hpp): up to 8,192 rows and
// 4 MiB (a typical row is about 250 bytes; a 4,096-character text can make
// one 25 KiB).
constexpr std::size_t row_cache_slots = 8192;
constexpr std::size_t row_cache_largest_row = 32 * 1024;
constexpr std::size_t row_cache_bytes = 4 * 1024 * 1024;
// Anchors a query actor keeps (day_anchors.hpp): at most 16,384 keys of about
// 130 bytes (2 MiB), the anchors of a million rows, in any number of days up
// to 4,096 (a day noted but not yet anchored costs about 100 bytes). The least
// recently used days are forgotten first.
constexpr std::size_t anchor_key_budget = 16 * 1024;
constexpr std::size_t remembered_anchor_days = 4096;

// The statements every query actor uses, prepared once per connection.
struct fixed_statements {
  // The read transaction around each answer, prepared once instead of parsed
  // by sqlite3_exec twice per request.
  sqlite::statement begin;
  sqlite::statement commit;
  sqlite::statement totals;
  sqlite::statement top_senders;
  sqlite::statement ts_range;
  // Aggregates that replace scans (see list_messages).
  sqlite::statement sender_total;
  sqlite::statement day_head_count;
  sqlite::statement days_total;
  sqlite::statement days_from;
  sqlite::statement rows_from_day;
  sqlite::statement day_keys;       // a day's keys in order (day_anchors.hpp)
  sqlite::statement rows_from_key;  // the page from an anchor on
  sqlite::statement newest_rowid;
  sqlite::statement rows_after;
  sqlite::statement row_by_id;  // one row, for a match-list row not cached
};

struct query_state {
  static inline const char* name = "query";

  std::string path;
  json_logger* log = nullptr;
  service_metrics* metrics = nullptr;
  sqlite::connection db;
  std::array<std::optional<list_statements>, filter_combinations> lists;
  std::optional<fixed_statements> sql;
  count_cache counts{remembered_counts};
  row_cache rows{row_cache_slots, row_cache_largest_row, row_cache_bytes};
  match_lists matches{remembered_match_lists};
  day_anchor_cache anchors{remembered_anchor_days};
  day_offsets day_index;
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

// `column` is "" for plain column names, "+" to keep SQLite from using an
// index on them (the unary plus makes the term an expression).
std::string where_clause(unsigned filters, const char* column = "") {
  const std::string c = column;
  std::string sql = " WHERE 1 = 1";
  if (filters & by_sender) sql += " AND " + c + "from_msisdn = ?1";
  if (filters & by_since) sql += " AND " + c + "ts >= ?2";
  if (filters & by_text) sql += " AND text LIKE ?3 ESCAPE '\\'";
  return sql;
}

list_statements prepare_list(sqlite::connection& db, unsigned filters) {
  auto where = where_clause(filters);
  return list_statements{
    // Index columns only: for every filter but q the index alone answers,
    // and read_rows takes each row's JSON from the row cache.
    db.prepare("SELECT rowid, message_id, ts FROM messages" + where +
               " ORDER BY ts, message_id LIMIT ?4 OFFSET ?5"),
    // Whole rows from the row (?7, ?8) = (ts, message_id) on: the index is
    // entered at that key, no offset is walked. Without `since`, which that
    // row already satisfies and which could otherwise become the start of
    // the index range instead of the key.
    db.prepare("SELECT rowid, message_id, from_msisdn, to_msisdn, ts, text FROM messages" +
               where_clause(filters & ~unsigned{by_since}) +
               " AND (ts, message_id) >= (?7, ?8) ORDER BY ts, message_id LIMIT ?4"),
    db.prepare("SELECT COUNT(*) FROM messages" + where),
    // Only the rows after ?6: the rowid range must drive this count, not an
    // index on the filter columns (which would walk every old match again).
    db.prepare("SELECT COUNT(*) FROM messages" + where_clause(filters, "+") + " AND rowid > ?6"),
    db.prepare("SELECT rowid, message_id, ts FROM messages" + where_clause(filters, "+") + " AND rowid > ?6"),
  };
}

// Opens the read connection on first use (the storage actor creates the file
// and schema; until it has, reads fail cleanly and are retried next time).
sqlite::connection& connection_for(query_state& st) {
  if (!st.db) {
    sqlite::connection db{st.path, sqlite::connection::mode::read_only};
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA cache_size = -" + std::to_string(page_cache_kib));
    st.sql = fixed_statements{
      db.prepare("BEGIN"),
      db.prepare("COMMIT"),
      db.prepare("SELECT messages, senders FROM message_totals WHERE id = 1"),
      db.prepare("SELECT from_msisdn, message_count FROM sender_counts "
                 "ORDER BY message_count DESC, from_msisdn ASC LIMIT 10"),
      db.prepare("SELECT (SELECT MIN(ts) FROM messages), (SELECT MAX(ts) FROM messages)"),
      db.prepare("SELECT message_count FROM sender_counts WHERE from_msisdn = ?1"),
      db.prepare("SELECT COUNT(*) FROM messages WHERE ts >= ?1 AND ts < ?2"),
      db.prepare("SELECT IFNULL(SUM(message_count), 0) FROM day_counts WHERE day >= ?1"),
      db.prepare("SELECT day, message_count FROM day_counts WHERE day >= ?1 ORDER BY day"),
      db.prepare("SELECT rowid, message_id, ts FROM messages WHERE ts >= ?1 ORDER BY ts, message_id LIMIT ?2 OFFSET ?3"),
      db.prepare("SELECT ts, message_id FROM messages WHERE ts >= ?1 AND ts < ?2 ORDER BY ts, message_id"),
      db.prepare("SELECT rowid, message_id, ts FROM messages WHERE (ts, message_id) >= (?1, ?2) "
                 "ORDER BY ts, message_id LIMIT ?3 OFFSET ?4"),
      db.prepare("SELECT IFNULL(MAX(rowid), 0) FROM messages"),
      db.prepare("SELECT COUNT(*) FROM messages WHERE rowid > ?1"),
      db.prepare("SELECT rowid, message_id, from_msisdn, to_msisdn, ts, text FROM messages WHERE rowid = ?1"),
    };
    st.db = std::move(db);
  }
  return st.db;
}

void drop_connection(query_state& st) {
  for (auto& entry : st.lists) entry.reset();
  st.sql.reset();
  st.counts.clear();
  st.rows.clear();
  st.matches.clear();
  st.anchors.clear();
  st.day_index = {};
  st.db = {};
}

// Runs `body` inside one read transaction, so every figure of an answer comes
// from the same snapshot. Any SQLite failure becomes storage_unavailable.
template <class T, class F>
caf::result<T> read_snapshot(query_state& st, F body) {
  try {
    auto& db = connection_for(st);
    auto& sql = *st.sql;
    sql.begin.step();
    sql.begin.reset();
    try {
      T value = body(db);
      sql.commit.step();
      sql.commit.reset();
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

// Canonical timestamps start with the day, "YYYY-MM-DD". The smallest string
// above every ts of that day (and below every ts of a later day): the day
// with its last character raised by one, e.g. "2024-07-09" -> "2024-07-0:".
std::string day_after(std::string_view ts) {
  std::string key{ts.substr(0, day_key_length)};
  key.back() = static_cast<char>(key.back() + 1);
  return key;
}

std::int64_t single_int(sqlite::statement& stmt) {
  std::int64_t value = stmt.step() ? stmt.column_int(0) : 0;
  stmt.reset();
  return value;
}

// Writes the rows `rest` yields (rowid, message_id, from, to, ts, text) and
// offers each to the row cache; resets `rest`.
void read_rest(query_state& st, sqlite::statement& rest, message_page_json& page) {
  while (rest.step()) {
    std::optional<std::string_view> text;
    if (!rest.column_is_null(5)) text = rest.column_view(5);
    st.rows.store(rest.column_int(0), rest.column_view(1),
                  page.add_row(rest.column_view(1), rest.column_view(2), rest.column_view(3),
                               rest.column_view(4), text));
  }
  rest.reset();
}

// Writes a page. `ids` yields rowid, message_id, ts of the page's rows in
// order; their JSON comes from the row cache while it has them. From the
// first row it lacks, `rest` (its filters bound by the caller) reads the rest
// of the page whole, starting at that row's key, and the rows are rendered
// and offered to the cache. A page read once costs one index walk and the
// row lookups, as without a cache; a page read again costs the walk only.
void read_rows(query_state& st, sqlite::statement& ids, std::int64_t limit, sqlite::statement& rest,
               message_page_json& page) {
  std::int64_t written = 0;
  while (ids.step()) {
    if (const std::string* cached = st.rows.find(ids.column_int(0), ids.column_view(1))) {
      page.add_row(*cached);
      ++written;
      continue;
    }
    rest.bind(7, ids.column_view(2));
    rest.bind(8, ids.column_view(1));
    rest.bind(4, limit - written);
    ids.reset();
    read_rest(st, rest, page);
    return;
  }
  ids.reset();
}

// Rows matching `since` (or all rows when there is none) in the day of
// `since` itself: the only part of a since-count that needs the ts index.
std::int64_t rows_in_first_day(query_state& st, const std::string& since) {
  st.sql->day_head_count.bind(1, std::string_view{since});
  st.sql->day_head_count.bind(2, std::string_view{day_after(since)});
  return single_int(st.sql->day_head_count);
}

// `total` straight from an aggregate row, for the filters that have one;
// nullopt for the others (counted_total).
std::optional<std::int64_t> total_from_aggregates(query_state& st, unsigned filters, const message_query& q) {
  switch (filters) {
    case 0:
      // The running total kept by the insert trigger.
      return single_int(st.sql->totals);
    case by_sender:
      st.sql->sender_total.bind(1, std::string_view{*q.from});
      return single_int(st.sql->sender_total);
    default:
      return std::nullopt;
  }
}

// The total of a filter combination without help from the cache: `since`
// alone from the day counts (whole days) plus the ts index inside the first
// day, every other combination by counting the matching rows.
template <class BindFilters>
std::int64_t full_count(query_state& st, list_statements& stmts, unsigned filters,
                        const message_query& q, BindFilters bind_filters) {
  if (filters == by_since) {
    st.sql->days_total.bind(1, std::string_view{day_after(*q.since)});
    return rows_in_first_day(st, *q.since) + single_int(st.sql->days_total);
  }
  auto& count = stmts.count;
  bind_filters(count);
  return single_int(count);
}

// The filters as a cache key: each present field length-prefixed, so that
// no two different filter sets give the same key.
std::string count_key(unsigned filters, const message_query& q) {
  std::string key(1, static_cast<char>('0' + filters));
  for (const auto* field : {&q.from, &q.since, &q.q}) {
    if (!*field) continue;
    key += std::to_string((*field)->size());
    key += ':';
    key += **field;
  }
  return key;
}

// Whether the table changed since a snapshot (largest rowid `watermark`,
// `rows_then` rows) only by rows added above the watermark, so that those
// rows are all a remembered figure lacks. Anything else (rows deleted or
// renumbered behind our back) means counting or reading afresh.
bool only_added_since(query_state& st, std::int64_t watermark, std::int64_t rows_then, std::int64_t newest,
                      std::int64_t rows_now) {
  if (watermark >= newest) return false;
  st.sql->rows_after.bind(1, watermark);
  return single_int(st.sql->rows_after) == rows_now - rows_then;
}

// The table's largest rowid and row count in this snapshot: what remembered
// totals and match lists are checked against.
struct table_mark {
  std::int64_t newest = 0;
  std::int64_t rows = 0;
};

table_mark read_mark(query_state& st) {
  return table_mark{single_int(st.sql->newest_rowid), single_int(st.sql->totals)};
}

// Where the row `offset` rows into the days from `first_day` on is: from the
// day index when it is right for this snapshot (day_offsets.hpp), else by
// stepping through the day counts. nullopt: there are not that many rows.
std::optional<day_position> find_day(query_state& st, const std::string& first_day, std::int64_t offset,
                                     const table_mark& now) {
  day_offsets& index = st.day_index;
  const bool same_table = index.watermark == now.newest && index.rows == now.rows;
  auto& days = st.sql->days_from;
  if (!same_table) {
    index = day_offsets{};
    index.watermark = now.newest;
    index.rows = now.rows;
  } else if (!index.built) {
    // The second request on this state of the table: read every day once.
    days.bind(1, std::string_view{""});  // every day (a null pointer would bind NULL)
    while (days.step()) {
      if (index.days.size() == max_indexed_days) {
        index = day_offsets{index.watermark, index.rows, true, true, {}, {}, {}};
        break;
      }
      index.add(days.column_text(0), days.column_int(1));
    }
    days.reset();
    index.built = true;  // with too_many set when the days did not fit
  }
  if (same_table && index.built && !index.too_many) return index.locate(first_day, offset);
  days.bind(1, std::string_view{first_day});
  std::optional<day_position> found;
  while (days.step()) {
    const std::int64_t day_rows = days.column_int(1);
    if (offset < day_rows) {
      found = day_position{days.column_text(0), day_rows, offset};
      break;
    }
    offset -= day_rows;
  }
  days.reset();
  return found;
}

// The anchors of `day` (which holds `day_rows` rows in this snapshot) if they
// can be used now: built on the second request that finds the day and the
// table as the first one left them (day_anchors.hpp). nullptr: walk the day.
const day_anchors* anchors_for(query_state& st, const std::string& day, std::int64_t day_rows,
                               const table_mark& now) {
  // A day of another length can only come from a ts written by another tool:
  // day_after needs the canonical "YYYY-MM-DD".
  if (day_rows > max_anchored_day_rows || day.size() != day_key_length) return nullptr;
  day_anchors* known = st.anchors.find(day);
  const bool unchanged = known && known->day_rows == day_rows &&
                         ((known->watermark == now.newest && known->rows == now.rows) ||
                          only_added_since(st, known->watermark, known->rows, now.newest, now.rows));
  if (!unchanged) {
    st.anchors.store(day, day_anchors{day_rows, now.newest, now.rows, {}});
    return nullptr;
  }
  known->watermark = now.newest;
  known->rows = now.rows;
  if (known->keys.empty()) {
    make_room_for_anchors(st.anchors, static_cast<std::size_t>(day_rows / anchor_spacing + 1),
                          anchor_key_budget);
    auto& walk = st.sql->day_keys;
    walk.bind(1, std::string_view{day});
    walk.bind(2, std::string_view{day_after(day)});
    std::int64_t position = 0;
    for (; walk.step(); ++position)
      if (position % anchor_spacing == 0) known->keys.push_back(anchor_key{walk.column_text(0), walk.column_text(1)});
    walk.reset();
    if (position != day_rows) {  // day_counts disagrees with the rows: do not trust either
      known->keys.clear();
      return nullptr;
    }
  }
  return known;
}

// A page at a deep offset of the ts order, filtered at most by `since`:
// whole days are skipped with day_counts (find_day), then at most one day's
// rows are walked, or fewer than anchor_spacing from that day's nearest anchor.
// Returns false when the offset falls into the first (partial) day of
// `since`, where the plain query is just as cheap.
template <class MarkNow>
bool skip_days_to_page(query_state& st, const message_query& q, sqlite::statement& rest,
                       message_page_json& page, MarkNow mark_now) {
  std::string first_day;  // days >= this one are counted whole
  std::int64_t remaining = q.offset;
  if (q.since) {
    const std::int64_t head = rows_in_first_day(st, *q.since);
    if (remaining < head) return false;
    remaining -= head;
    first_day = day_after(*q.since);
  }
  const auto at = find_day(st, first_day, remaining, mark_now());
  if (!at) return true;  // past the last row: an empty page
  const std::string& start_day = at->day;
  remaining = at->in_day;
  if (remaining >= anchor_spacing) {
    if (const day_anchors* anchors = anchors_for(st, start_day, at->day_rows, mark_now())) {
      const anchor_key& from = anchors->keys[static_cast<std::size_t>(remaining / anchor_spacing)];
      auto& rows = st.sql->rows_from_key;
      rows.bind(1, std::string_view{from.ts});
      rows.bind(2, std::string_view{from.message_id});
      rows.bind(3, static_cast<std::int64_t>(q.limit));
      rows.bind(4, remaining % anchor_spacing);
      read_rows(st, rows, q.limit, rest, page);
      return true;
    }
  }
  auto& rows = st.sql->rows_from_day;
  rows.bind(1, std::string_view{start_day});
  rows.bind(2, static_cast<std::int64_t>(q.limit));
  rows.bind(3, remaining);
  read_rows(st, rows, q.limit, rest, page);
  return true;
}

// `total` of a filter combination without an aggregate row: from the count
// cache when it has the combination, adding only the rows stored since, or
// counted in full (and remembered). `bind_filters` binds ?1..?3; `key` is
// count_key's.
template <class BindFilters>
std::int64_t counted_total(query_state& st, list_statements& stmts, unsigned filters, const message_query& q,
                           const std::string& key, const table_mark& now, BindFilters bind_filters) {
  const auto [newest, rows] = now;
  if (auto known = st.counts.find(key)) {
    if (known->watermark == newest && known->rows == rows) return known->matches;
    if (only_added_since(st, known->watermark, known->rows, newest, rows)) {
      auto& after = stmts.count_after;
      bind_filters(after);
      after.bind(6, known->watermark);
      const std::int64_t matches = known->matches + single_int(after);
      st.counts.store(key, counted_snapshot{matches, newest, rows});
      return matches;
    }
  }
  const std::int64_t matches = full_count(st, stmts, filters, q, bind_filters);
  if (key.size() <= longest_remembered_key) st.counts.store(key, counted_snapshot{matches, newest, rows});
  return matches;
}

// The remembered first matches of a q search, brought up to date with the
// rows stored since (the same guard as counted_total), or read afresh: the
// first longest_match_list matches in page order. `key` is count_key's.
template <class BindFilters>
const match_list& matches_for(query_state& st, list_statements& stmts, const std::string& key,
                              const table_mark& now, BindFilters bind_filters) {
  const auto [newest, rows] = now;
  if (match_list* known = st.matches.find(key)) {
    if (known->watermark == newest && known->rows == rows) {
      st.metrics->match_lists_reused().Increment();
      return *known;
    }
    if (only_added_since(st, known->watermark, known->rows, newest, rows)) {
      auto& after = stmts.keys_after;
      bind_filters(after);
      after.bind(6, known->watermark);
      while (after.step())
        known->add(match_key{after.column_text(2), after.column_text(1), after.column_int(0)}, longest_match_list);
      after.reset();
      known->watermark = newest;
      known->rows = rows;
      st.metrics->match_lists_reused().Increment();
      return *known;
    }
  }
  match_list fresh;
  fresh.watermark = newest;
  fresh.rows = rows;
  auto& ids = stmts.rows;
  bind_filters(ids);
  ids.bind(4, static_cast<std::int64_t>(longest_match_list));
  ids.bind(5, std::int64_t{0});
  while (ids.step()) fresh.first.push_back(match_key{ids.column_text(2), ids.column_text(1), ids.column_int(0)});
  ids.reset();
  fresh.complete = fresh.first.size() < longest_match_list;
  st.metrics->match_lists_read().Increment();
  return *st.matches.store(key, std::move(fresh));
}

// Writes a page from a match list: each row from the row cache, or looked up
// by its rowid (the list already says which rows match, so no text is
// searched again).
void write_from_matches(query_state& st, const match_list& matches, const message_query& q,
                        message_page_json& page) {
  const auto end = std::min<std::int64_t>(q.offset + q.limit, static_cast<std::int64_t>(matches.first.size()));
  auto& fetch = st.sql->row_by_id;
  for (std::int64_t i = q.offset; i < end; ++i) {
    const match_key& key = matches.first[static_cast<std::size_t>(i)];
    if (const std::string* cached = st.rows.find(key.rowid, key.message_id)) {
      page.add_row(*cached);
      continue;
    }
    fetch.bind(1, key.rowid);
    read_rest(st, fetch, page);  // the same columns as `rest`: one row
  }
}

rendered_page list_messages(query_state& st, sqlite::connection& db, const message_query& q) {
  unsigned filters = (q.from ? by_sender : 0u) | (q.since ? by_since : 0u) | (q.q ? by_text : 0u);
  auto& cached = st.lists[filters];
  if (!cached) cached = prepare_list(db, filters);
  const std::string pattern = q.q ? like_pattern(*q.q) : std::string{};
  auto bind_filters = [&](sqlite::statement& stmt) {
    if (q.from) stmt.bind(1, std::string_view{*q.from});
    if (q.since) stmt.bind(2, std::string_view{*q.since});
    if (q.q) stmt.bind(3, std::string_view{pattern});
  };
  // The rest statement has every filter but `since` (see prepare_list).
  auto& rest = cached->rest;
  if (q.from) rest.bind(1, std::string_view{*q.from});
  if (q.q) rest.bind(3, std::string_view{pattern});
  message_page_json page{page_buffers().take()};
  const bool day_ordered = (filters & ~unsigned{by_since}) == 0;
  const std::string key = count_key(filters, q);
  std::optional<table_mark> mark;  // read once, when first needed
  auto mark_now = [&]() -> const table_mark& {
    if (!mark) mark = read_mark(st);
    return *mark;
  };
  if ((filters & by_text) && q.offset <= static_cast<std::int64_t>(longest_match_list) - q.limit &&
      key.size() <= longest_remembered_key) {
    write_from_matches(st, matches_for(st, *cached, key, mark_now(), bind_filters), q, page);
  } else if (!(day_ordered && q.offset > 0 && skip_days_to_page(st, q, rest, page, mark_now))) {
    auto& rows = cached->rows;
    bind_filters(rows);
    rows.bind(4, static_cast<std::int64_t>(q.limit));
    rows.bind(5, q.offset);
    read_rows(st, rows, q.limit, rest, page);
  }
  rest.reset();
  rendered_page answer;
  if (auto total = total_from_aggregates(st, filters, q)) {
    answer.total = *total;
  } else {
    answer.total = counted_total(st, *cached, filters, q, key, mark_now(), bind_filters);
  }
  if (page.ready_rows() > 0) st.metrics->page_rows_cached().Increment(static_cast<double>(page.ready_rows()));
  if (page.rows() > page.ready_rows())
    st.metrics->page_rows_read().Increment(static_cast<double>(page.rows() - page.ready_rows()));
  answer.json = pooled_string{page.finish(answer.total, q.limit, q.offset), &page_buffers()};
  return answer;
}

stats_snapshot read_stats(query_state& st) {
  auto& sql = *st.sql;
  stats_snapshot stats;
  if (sql.totals.step()) {
    stats.total_messages = sql.totals.column_int(0);
    stats.senders_count = sql.totals.column_int(1);
  }
  sql.totals.reset();
  while (sql.top_senders.step())
    stats.messages_per_sender.push_back({sql.top_senders.column_text(0), sql.top_senders.column_int(1)});
  sql.top_senders.reset();
  if (sql.ts_range.step()) {
    stats.first_message_ts = sql.ts_range.column_optional_text(0);
    stats.last_message_ts = sql.ts_range.column_optional_text(1);
  }
  sql.ts_range.reset();
  return stats;
}

query_actor::behavior_type query(query_actor::stateful_pointer<query_state> self, std::string path,
                                 probe_ptr probe, service_metrics* metrics, json_logger* log) {
  watch_actor(self, probe, "detached");
  self->state.path = std::move(path);
  self->state.log = log;
  self->state.metrics = metrics;
  return {
    instrumented(self, probe,
                 [self](list_atom, const message_query& q) -> caf::result<rendered_page> {
                   auto& st = self->state;
                   return read_snapshot<rendered_page>(
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
                                  metrics.actor("query", std::to_string(instance)), &metrics, &log);
}

}  // namespace webhookd
