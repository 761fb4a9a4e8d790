#include "actors/storage/sqlite/row_streams.hpp"

#include <algorithm>

#include "actors/storage/sqlite/list_parts.hpp"
#include "actors/storage/sqlite/row_key.hpp"

namespace webhookd::sqlite {

void read_row(const statement& stmt, row_view& row) {
  row.rowid = stmt.column_int(0);
  row.message_id = stmt.column_view(1);
  row.from = stmt.column_view(2);
  row.to = stmt.column_view(3);
  row.ts = stmt.column_view(4);
  if (stmt.column_is_null(5))
    row.text.reset();
  else
    row.text = stmt.column_view(5);
}

void bind_sender_start(statement& stmt, std::int64_t rowid) {
  // Second 0 is never walked in the index (its rows come from the table).
  const std::int64_t start = std::max(rowid, first_rowid(1));
  stmt.bind(2, start);
  // A std::string's data(), never a null view's: that would bind NULL.
  const std::string least_ts = least_ts_of_rowid(start);
  stmt.bind(3, std::string_view{least_ts.data(), least_ts.size()});
}

namespace {
// Binds a sender_second_* statement to `from`'s rows in [first, upto).
void bind_seconds(statement& stmt, std::string_view from, std::int64_t first, std::int64_t upto) {
  stmt.bind(1, first);
  stmt.bind(2, upto);
  stmt.bind(3, from);
}
}  // namespace

std::int64_t count_sender_rows(read_statements& sql, std::string_view from, std::int64_t from_rowid) {
  std::int64_t rows = 0;
  if (from_rowid < first_rowid(1)) {
    bind_seconds(sql.sender_second_counted, from, from_rowid, first_rowid(1));
    rows += single_int(sql.sender_second_counted);
  }
  sql.sender_rows_counted.bind(1, from);
  bind_sender_start(sql.sender_rows_counted, from_rowid);
  return rows + single_int(sql.sender_rows_counted);
}

row_view owned_row::view() const {
  row_view row{rowid, message_id, from, to, ts, std::nullopt};
  if (text) row.text = *text;
  return row;
}

owned_row owned_row::of(const row_view& row) {
  owned_row kept{row.rowid, std::string{row.message_id}, std::string{row.from}, std::string{row.to},
                 std::string{row.ts}, std::nullopt};
  if (row.text) kept.text = std::string{*row.text};
  return kept;
}

std::int64_t rows_between(read_statements& sql, std::int64_t from_second, std::int64_t to_second) {
  sql.rows_in_range.bind(1, first_rowid(from_second));
  sql.rows_in_range.bind(2, first_rowid(to_second));
  std::int64_t rows = 0;
  if (sql.rows_in_range.step()) rows = sql.rows_in_range.column_int(0);
  sql.rows_in_range.reset();
  return rows;
}

std::optional<stream_position> find_position(key_stream& keys, std::int64_t offset) {
  std::int64_t seen = 0, group_second = -1, group_start = 0, rowid = 0;
  while (keys.next(rowid)) {
    const std::int64_t second = second_of_rowid(rowid);
    if (second != group_second) {
      group_second = second;
      group_start = seen;
    }
    if (seen == offset) return stream_position{second, offset - group_start};
    ++seen;
  }
  return std::nullopt;
}

table_rows::table_rows(read_statements& sql, std::int64_t from_rowid) : stmt_(sql.table_rows) {
  stmt_.bind(1, from_rowid);
}
table_rows::~table_rows() { stmt_.reset(); }
void table_rows::restart_at(std::int64_t rowid) {
  stmt_.reset();
  stmt_.bind(1, rowid);
}
bool table_rows::next(row_view& row) {
  if (!stmt_.step()) return false;
  read_row(stmt_, row);
  return true;
}

table_keys::table_keys(read_statements& sql, std::int64_t from_rowid) : stmt_(sql.table_keys) {
  stmt_.bind(1, from_rowid);
}
table_keys::~table_keys() { stmt_.reset(); }
bool table_keys::next(std::int64_t& rowid) {
  if (!stmt_.step()) return false;
  rowid = stmt_.column_int(0);
  return true;
}

sender_rows::sender_rows(read_statements& sql, std::string_view from, std::int64_t from_rowid)
  : stmt_(sql.sender_rows), second_zero_(sql.sender_second_rows), from_(from) {
  bind_start(from_rowid);
}
sender_rows::~sender_rows() {
  stmt_.reset();
  second_zero_.reset();
}
void sender_rows::restart_at(std::int64_t rowid) {
  stmt_.reset();
  second_zero_.reset();
  bind_start(rowid);
}
void sender_rows::bind_start(std::int64_t rowid) {
  stmt_.bind(1, from_);
  bind_sender_start(stmt_, rowid);
  in_second_zero_ = rowid < first_rowid(1);
  if (in_second_zero_) bind_seconds(second_zero_, from_, rowid, first_rowid(1));
}
bool sender_rows::next(row_view& row) {
  if (in_second_zero_) {
    if (second_zero_.step()) {
      read_row(second_zero_, row);
      return true;
    }
    second_zero_.reset();
    in_second_zero_ = false;
  }
  if (!stmt_.step()) return false;
  read_row(stmt_, row);
  return true;
}

sender_keys::sender_keys(read_statements& sql, std::string_view from, std::int64_t from_rowid)
  : stmt_(sql.sender_keys), burst_(sql.sender_second_keys), from_(from), from_rowid_(from_rowid) {
  stmt_.bind(1, from);
  bind_sender_start(stmt_, from_rowid);
  // Second 0 first, from the table, as a burst is.
  if (from_rowid < first_rowid(1)) {
    bind_seconds(burst_, from_, from_rowid, first_rowid(1));
    in_burst_ = true;
  }
}
sender_keys::~sender_keys() {
  stmt_.reset();
  burst_.reset();
}

bool sender_keys::next(std::int64_t& rowid) {
  if (next_held_ < held_.size()) {
    rowid = held_[next_held_++];
    return true;
  }
  if (in_burst_) {
    if (burst_.step()) {
      rowid = burst_.column_int(0);
      return true;
    }
    burst_.reset();
    in_burst_ = false;
  }
  return read_second() && next(rowid);
}

// Holds the next second's keys, sorted; a second with big_group_rows of
// this sender's keys is read from the table's rowid range instead (its keys
// unsorted are never held past that many).
bool sender_keys::read_second() {
  held_.clear();
  next_held_ = 0;
  if (ahead_) {
    held_.push_back(*ahead_);
    ahead_.reset();
  } else if (!done_ && stmt_.step()) {
    held_.push_back(stmt_.column_int(0));
  } else {
    done_ = true;
    return false;
  }
  const std::int64_t second = second_of_rowid(held_.front());
  while (!done_) {
    // (Stepped again after its last row, a statement would start over.)
    if (!stmt_.step()) {
      done_ = true;
      break;
    }
    const std::int64_t key = stmt_.column_int(0);
    if (second_of_rowid(key) != second) {
      ahead_ = key;
      break;
    }
    held_.push_back(key);
    if (static_cast<std::int64_t>(held_.size()) >= big_group_rows) {
      held_.clear();
      bind_seconds(burst_, from_, std::max(first_rowid(second), from_rowid_), first_rowid(second + 1));
      in_burst_ = true;
      stmt_.reset();
      stmt_.bind(1, from_);
      bind_sender_start(stmt_, first_rowid(second + 1));
      return true;
    }
  }
  std::sort(held_.begin(), held_.end());
  return true;
}

bool needle_rows::next(row_view& row) {
  while (rows_.next(row))
    if (row.text && needle_.found_in(*row.text)) return true;
  return false;
}

text_keys::text_keys(text_statements& sql, const std::string& expression, rowid_range indexed,
                     std::int64_t from_rowid, const std::vector<owned_row>& pending)
  : sql_(sql), stmt_(sql.keys), expression_(expression), pending_(pending), windows_(indexed) {
  restart_at(from_rowid);
}
text_keys::~text_keys() { stmt_.reset(); }
bool text_keys::step_indexed() {
  for (;;) {
    if (in_window_ && stmt_.step()) return true;
    stmt_.reset();
    in_window_ = false;
    auto window = windows_.next();
    if (!window) return false;
    sql_.db.stop_if_asked();
    stmt_.bind(1, std::string_view{expression_});
    stmt_.bind(2, window->first);
    stmt_.bind(3, window->last);
    in_window_ = true;
  }
}
void text_keys::restart_at(std::int64_t rowid) {
  stmt_.reset();
  in_window_ = false;
  windows_.restart_at(rowid);
  next_pending_ = 0;
  while (next_pending_ < pending_.size() && pending_[next_pending_].rowid < rowid) ++next_pending_;
  indexed_.reset();
  indexed_done_ = false;
  last_pending_.reset();
}
bool text_keys::next(std::int64_t& rowid) {
  if (!indexed_ && !indexed_done_) {
    if (step_indexed())
      indexed_ = stmt_.column_int(0);
    else
      indexed_done_ = true;
  }
  const bool have_pending = next_pending_ < pending_.size();
  if (have_pending && (!indexed_ || pending_[next_pending_].rowid < *indexed_)) {
    last_pending_ = next_pending_;
    rowid = pending_[next_pending_++].rowid;
    return true;
  }
  if (!indexed_) return false;
  last_pending_.reset();
  rowid = *indexed_;
  indexed_.reset();
  return true;
}

text_rows::text_rows(read_statements& sql, text_keys& keys, const std::vector<owned_row>& pending,
                     const folded_needle& needle, std::optional<std::string_view> from)
  : sql_(sql), keys_(keys), pending_(pending), needle_(needle), from_(from) {}

text_rows::~text_rows() { sql_.row_by_id.reset(); }

bool text_rows::next(row_view& row) {
  std::int64_t rowid = 0;
  while (keys_.next(rowid)) {
    if (auto at = keys_.last_pending()) {
      row = pending_[*at].view();
    } else {
      // One lookup at a time: the previous row's views end here.
      auto& lookup = sql_.row_by_id;
      lookup.reset();
      lookup.bind(1, rowid);
      if (!lookup.step()) continue;  // not in the table any more (cannot happen in one snapshot)
      read_row(lookup, row);
    }
    if (from_ && row.from != *from_) continue;
    return true;
  }
  sql_.row_by_id.reset();
  return false;
}

listed_rows::listed_rows(read_statements& sql, const std::vector<std::int64_t>& rowids, const folded_needle& needle,
                         std::optional<std::string_view> from)
  : sql_(sql), rowids_(rowids), needle_(needle), from_(from) {}

listed_rows::~listed_rows() { sql_.row_by_id.reset(); }

void listed_rows::restart_at(std::int64_t rowid) {
  next_ = static_cast<std::size_t>(std::lower_bound(rowids_.begin(), rowids_.end(), rowid) - rowids_.begin());
}

bool listed_rows::next(row_view& row) {
  auto& lookup = sql_.row_by_id;
  while (next_ < rowids_.size()) {
    lookup.reset();
    lookup.bind(1, rowids_[next_++]);
    if (!lookup.step()) continue;  // not in the table (cannot happen in one snapshot)
    read_row(lookup, row);
    return true;
  }
  lookup.reset();
  return false;
}

bool common_keys::next(std::int64_t& rowid) {
  std::int64_t a = 0, b = 0;
  if (!first_.next(a) || !second_.next(b)) return false;
  while (a != b) {
    if (a < b ? !first_.next(a) : !second_.next(b)) return false;
  }
  rowid = a;
  return true;
}

bool keys_of_rows::next(std::int64_t& rowid) {
  row_view row;
  if (!rows_.next(row)) return false;
  rowid = row.rowid;
  return true;
}

namespace {

// Offers the rows of big group `second` that `rows` admits to `page`, in
// page order; false once the page is full.
bool fill_from_big_group(read_statements& sql, const row_stream& rows, std::int64_t second, ordered_page& page) {
  auto& members = sql.second_members;
  auto& lookup = sql.group_row_by_id;
  members.bind(1, second);
  // Without filters the rows the page skips need not even be read; but no
  // more of them than the group holds (a page that starts after the group
  // skipped the whole rest of its offset here, and began up to that many
  // rows too early).
  std::int64_t skipped = rows.filters() ? 0 : page.rows_to_skip();
  if (skipped > 0) skipped = std::min(skipped, rows_between(sql, second, second + 1));
  members.bind(2, skipped);
  page.skipped(skipped);
  bool more = true;
  while (more && members.step()) {
    lookup.bind(1, members.column_int(0));
    if (lookup.step()) {
      row_view row;
      read_row(lookup, row);
      if (rows.admits(row)) more = page.add_sorted(row);
    }
    lookup.reset();
  }
  members.reset();
  return more;
}

}  // namespace

void fill_page(read_statements& sql, row_stream& rows, ordered_page& page) {
  row_view row;
  while (rows.next(row)) {
    switch (page.add(row)) {
      case page_step::more:
        break;
      case page_step::complete:
        return;
      case page_step::big_group: {
        const std::int64_t second = second_of_rowid(row.rowid);
        if (!fill_from_big_group(sql, rows, second, page)) return;
        rows.restart_at(first_rowid(second + 1));
        break;
      }
    }
  }
  page.finish();
}

}  // namespace webhookd::sqlite
