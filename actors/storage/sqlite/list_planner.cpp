#include "actors/storage/sqlite/list_planner.hpp"

#include <algorithm>
#include <string>

#include "actors/storage/sqlite/ordered_page.hpp"
#include "actors/storage/sqlite/row_key.hpp"
#include "actors/storage/sqlite/row_streams.hpp"
#include "actors/storage/sqlite/table_positions.hpp"
#include "actors/storage/sqlite/text_index.hpp"
#include "actors/storage/sqlite/text_windows.hpp"
#include "core/message_page_json.hpp"
#include "core/text_match.hpp"
#include "messages/string_pool.hpp"

namespace webhookd::sqlite {

namespace {

// Offsets below this are walked from the first row; deeper ones are found
// first (by the day counts, or by stepping through an index's keys alone).
constexpr std::int64_t walked_offsets = 256;
// A q search of one sender with at most this many messages tests that
// sender's rows; a busier sender's search goes through the text index.
constexpr std::int64_t sender_search_rows = 20000;
// A 1- or 2-byte needle first tries the rows in ts order, up to this many,
// before the text index: common short needles fill a page within a few rows,
// while FTS5 merges the whole lists of every token they prefix.
constexpr std::int64_t short_needle_walk = 4096;
// A remembered total is brought up to date from the arrival log while at
// most this many rows arrived since; past that it is counted again.
constexpr std::int64_t catch_up_rows = 20000;
constexpr std::size_t longest_remembered_key = 1024;

struct table_totals {
  std::int64_t messages = 0, senders = 0;
  std::optional<std::string> first_ts, last_ts;
  std::int64_t ingest_seq = 0;
};

table_totals read_totals(read_statements& sql) {
  table_totals t;
  if (sql.totals.step()) {
    t.messages = sql.totals.column_int(0);
    t.senders = sql.totals.column_int(1);
    t.first_ts = sql.totals.column_optional_text(2);
    t.last_ts = sql.totals.column_optional_text(3);
    t.ingest_seq = sql.totals.column_int(4);
  }
  sql.totals.reset();
  return t;
}

// The text index as this answer may use it: its statements and the arrival
// it holds every row up to.
struct usable_index {
  text_statements* sql = nullptr;
  std::int64_t indexed_seq = 0;
};

// Reads the index's state before the messages' totals, so that its snapshot
// is never newer than theirs: it only ever holds rows the messages already
// had, and those are in any later snapshot of them too.
std::optional<text_index_state> read_index_state(text_statements* text) {
  if (text == nullptr) return std::nullopt;
  std::optional<text_index_state> state;
  if (text->state.step())
    state = text_index_state{text->state.column_text(0), text->state.column_int(1), text->state.column_int(2) != 0};
  text->state.reset();
  return state;
}

std::optional<usable_index> usable(read_statements& sql, text_statements* text,
                                   const std::optional<text_index_state>& state, const table_totals& totals) {
  if (!state || !state->complete || state->indexed_seq > totals.ingest_seq) return std::nullopt;
  std::string database_id;
  if (sql.database_id.step()) database_id = sql.database_id.column_text(0);
  sql.database_id.reset();
  if (database_id != state->database_id) return std::nullopt;
  return usable_index{text, state->indexed_seq};
}

std::int64_t single_int(statement& stmt) {
  const std::int64_t value = stmt.step() ? stmt.column_int(0) : 0;
  stmt.reset();
  return value;
}

// The rowids of the table's rows: those the text index may hold.
rowid_range table_rowids(read_statements& sql) {
  rowid_range range;
  if (sql.rowid_bounds.step() && !sql.rowid_bounds.column_is_null(0))
    range = rowid_range{sql.rowid_bounds.column_int(0), sql.rowid_bounds.column_int(1)};
  sql.rowid_bounds.reset();
  return range;
}

std::int64_t sender_total(read_statements& sql, const std::string& from) {
  sql.sender_total.bind(1, std::string_view{from});
  return single_int(sql.sender_total);
}

// The filters of a request, resolved once.
struct list_filters {
  const message_query& q;
  std::int64_t start_rowid = 0;  // first rowid `since` allows
  std::optional<folded_needle> needle;

  explicit list_filters(const message_query& query) : q(query) {
    if (q.since) start_rowid = first_rowid(second_of(*q.since));
    if (q.q) needle.emplace(*q.q);
  }
  bool admits(std::int64_t rowid, std::string_view from, const std::optional<std::string_view>& text) const {
    if (rowid < start_rowid) return false;
    if (q.from && from != *q.from) return false;
    return !needle || (text && needle->found_in(*text));
  }
};

// Rows that arrived after `after` up to `upto` (ingest sequence numbers) and
// pass every filter, in rowid order.
std::vector<owned_row> arrived_matches(read_statements& sql, const list_filters& f, std::int64_t after,
                                       std::int64_t upto) {
  std::vector<owned_row> rows;
  if (upto <= after) return rows;
  auto& arrivals = sql.arrivals;
  arrivals.bind(1, after);
  arrivals.bind(2, upto);
  while (arrivals.step()) {
    std::optional<std::string_view> text;
    if (!arrivals.column_is_null(5)) text = arrivals.column_view(5);
    if (!f.admits(arrivals.column_int(0), arrivals.column_view(2), text)) continue;
    owned_row row{arrivals.column_int(0), arrivals.column_text(1), arrivals.column_text(2), arrivals.column_text(3),
                  arrivals.column_text(4), std::nullopt};
    if (text) row.text = std::string{*text};
    rows.push_back(std::move(row));
  }
  arrivals.reset();
  std::sort(rows.begin(), rows.end(), [](const owned_row& a, const owned_row& b) { return a.rowid < b.rowid; });
  return rows;
}

// A row stream that stops after `budget` rows and says whether it did.
class budgeted_rows final : public row_stream {
 public:
  budgeted_rows(row_stream& rows, std::int64_t budget) : rows_(rows), left_(budget) {}
  bool next(row_view& row) override {
    if (left_ == 0) {
      cut_ = true;
      return false;
    }
    --left_;
    return rows_.next(row);
  }
  bool cut() const { return cut_; }
  bool admits(const row_view& row) const override { return rows_.admits(row); }
  bool filters() const override { return rows_.filters(); }
  void restart_at(std::int64_t rowid) override { rows_.restart_at(rowid); }

 private:
  row_stream& rows_;
  std::int64_t left_;
  bool cut_ = false;
};

// Writes the page from `rows` (the filtered rows from the start), finding a
// deep offset through `keys` (the same rows' keys) first.
template <class MakeRows, class MakeKeys>
void write_page(read_statements& sql, message_page_json& out, const message_query& q, MakeRows make_rows,
                MakeKeys make_keys) {
  if (q.offset < walked_offsets) {
    ordered_page page{out, q.offset, q.limit};
    make_rows(std::optional<std::int64_t>{}, [&](row_stream& rows) { fill_page(sql, rows, page); });
    return;
  }
  std::optional<stream_position> at;
  make_keys([&](key_stream& keys) { at = find_position(keys, q.offset); });
  if (!at) return;
  ordered_page page{out, at->rank, q.limit};
  make_rows(std::optional<std::int64_t>{first_rowid(at->second)},
            [&](row_stream& rows) { fill_page(sql, rows, page); });
}

// The filter combination as a key for remembered totals: each present field
// length-prefixed, so that no two filter sets give the same key.
std::string count_key(const message_query& q) {
  std::string key;
  for (const auto* field : {&q.from, &q.since, &q.q}) {
    if (!*field) {
      key += '-';
      continue;
    }
    key += std::to_string((*field)->size());
    key += ':';
    key += **field;
  }
  return key;
}

// A q search: through the text index and the rows it does not hold yet, or
// through one sender's rows, or (no index yet) through every row.
class text_search {
 public:
  text_search(read_statements& sql, count_cache& counts, const message_query& q, const table_totals& totals,
              std::optional<usable_index> index)
    : sql_(sql), counts_(counts), q_(q), totals_(totals), filters_(q), index_(index),
      expression_(text_match_expression(*q.q)) {
    by_sender_ = q.from && (!index_ || sender_total(sql, *q.from) <= sender_search_rows);
    if (index_ && !by_sender_) {
      pending_ = arrived_matches(sql, filters_, index_->indexed_seq, totals.ingest_seq);
      indexed_ = table_rowids(sql);
    }
  }

  void write(message_page_json& out) {
    if (index_ && q_.q->size() <= 2 && !by_sender_ && q_.offset + q_.limit <= walked_offsets && try_walk(out))
      return;
    write_page(sql_, out, q_, [&](auto start, auto use) { with_rows(start, use); },
               [&](auto use) { with_keys(use); });
  }

  std::int64_t total() {
    const std::string key = count_key(q_);
    const bool rememberable = key.size() <= longest_remembered_key;
    if (auto known = rememberable ? counts_.find(key) : std::nullopt) {
      // A count from a later snapshot (another query actor's) cannot be
      // taken back to this one: count afresh below.
      if (known->ingest_seq == totals_.ingest_seq) return known->matches;
      const std::int64_t behind = totals_.ingest_seq - known->ingest_seq;
      if (behind > 0 && behind <= catch_up_rows && single_int(sql_.oldest_arrival) <= known->ingest_seq + 1) {
        const counted_snapshot now{
          known->matches +
            static_cast<std::int64_t>(arrived_matches(sql_, filters_, known->ingest_seq, totals_.ingest_seq).size()),
          totals_.ingest_seq};
        counts_.store(key, now);
        return now.matches;
      }
    }
    const std::int64_t matches = count_all();
    if (rememberable) counts_.store(key, counted_snapshot{matches, totals_.ingest_seq});
    return matches;
  }

 private:
  // Rows from `start` on (the filters' own start when empty), to `use`.
  template <class Use>
  void with_rows(std::optional<std::int64_t> start, Use use) {
    const std::int64_t from_rowid = start.value_or(filters_.start_rowid);
    if (by_sender_) {
      sender_rows rows{sql_, *q_.from, from_rowid};
      needle_rows matching{rows, *filters_.needle};
      use(matching);
      return;
    }
    if (!index_) {
      table_rows rows{sql_, from_rowid};
      needle_rows matching{rows, *filters_.needle};
      use(matching);
      return;
    }
    text_keys keys{*index_->sql, expression_, indexed_, from_rowid, pending_};
    std::optional<std::string_view> from;
    if (q_.from) from = *q_.from;
    text_rows rows{sql_, keys, pending_, *filters_.needle, from};
    use(rows);
  }

  template <class Use>
  void with_keys(Use use) {
    if (index_ && !by_sender_ && !q_.from) {
      text_keys keys{*index_->sql, expression_, indexed_, filters_.start_rowid, pending_};
      use(keys);
      return;
    }
    with_rows(std::nullopt, [&](row_stream& rows) {
      keys_of_rows keys{rows};
      use(keys);
    });
  }

  // A short needle's page from the rows in ts order, if it fills within
  // short_needle_walk rows; false (nothing written) otherwise.
  bool try_walk(message_page_json& out) {
    message_page_json attempt;
    ordered_page page{attempt, q_.offset, q_.limit};
    auto walk = [&](row_stream& rows) {
      budgeted_rows budget{rows, short_needle_walk};
      needle_rows matching{budget, *filters_.needle};
      fill_page(sql_, matching, page);
      return !budget.cut();
    };
    bool filled = false;
    if (q_.from) {
      sender_rows rows{sql_, *q_.from, filters_.start_rowid};
      filled = walk(rows);
    } else {
      table_rows rows{sql_, filters_.start_rowid};
      filled = walk(rows);
    }
    if (filled) out = std::move(attempt);
    return filled;
  }

  std::int64_t count_all() {
    if (index_ && !by_sender_ && !q_.from) {
      auto& counted = index_->sql->keys_counted;
      std::int64_t matches = static_cast<std::int64_t>(pending_.size());
      rowid_windows windows{indexed_};
      windows.restart_at(filters_.start_rowid);
      while (auto window = windows.next()) {
        index_->sql->db.stop_if_asked();
        counted.bind(1, std::string_view{expression_});
        counted.bind(2, window->first);
        counted.bind(3, window->last);
        matches += single_int(counted);
      }
      return matches;
    }
    std::int64_t matches = 0;
    with_rows(std::nullopt, [&](row_stream& rows) {
      row_view row;
      while (rows.next(row)) ++matches;
    });
    return matches;
  }

  read_statements& sql_;
  count_cache& counts_;
  const message_query& q_;
  const table_totals& totals_;
  list_filters filters_;
  std::optional<usable_index> index_;
  std::string expression_;
  bool by_sender_ = false;
  std::vector<owned_row> pending_;
  rowid_range indexed_;  // what the index may hold, when it is used
};

std::int64_t list_without_text(read_statements& sql, day_index& days, const message_query& q,
                               const table_totals& totals, message_page_json& out) {
  const list_filters filters{q};
  std::int64_t total = 0;
  if (!q.from) {
    days.refresh(sql, totals.ingest_seq);
    const std::int64_t before = q.since ? days.rows_before(sql, second_of(*q.since)) : 0;
    total = totals.messages - before;
    if (q.offset >= total) return total;
    if (q.offset < walked_offsets) {
      ordered_page page{out, q.offset, q.limit};
      table_rows rows{sql, filters.start_rowid};
      fill_page(sql, rows, page);
    } else if (auto at = days.locate(sql, before + q.offset)) {
      ordered_page page{out, at->rank, q.limit};
      table_rows rows{sql, first_rowid(at->second)};
      fill_page(sql, rows, page);
    }
    return total;
  }
  const std::string& from = *q.from;
  if (q.since) {
    sql.sender_rows_counted.bind(1, std::string_view{from});
    sql.sender_rows_counted.bind(2, filters.start_rowid);
    total = single_int(sql.sender_rows_counted);
  } else {
    total = sender_total(sql, from);
  }
  if (q.offset >= total) return total;
  write_page(
    sql, out, q,
    [&](std::optional<std::int64_t> start, auto use) {
      sender_rows rows{sql, from, start.value_or(filters.start_rowid)};
      use(rows);
    },
    [&](auto use) {
      sender_keys keys{sql, from, filters.start_rowid};
      use(keys);
    });
  return total;
}

}  // namespace

rendered_page list_messages(read_statements& sql, text_statements* text, count_cache& counts, day_index& days,
                            const message_query& q) {
  const auto index_state = q.q ? read_index_state(text) : std::nullopt;
  const table_totals totals = read_totals(sql);
  message_page_json out{page_buffers().take()};
  rendered_page answer;
  if (q.q) {
    auto index = text_index_serves(*q.q) ? usable(sql, text, index_state, totals) : std::nullopt;
    text_search search{sql, counts, q, totals, index};
    search.write(out);
    answer.total = search.total();
  } else {
    answer.total = list_without_text(sql, days, q, totals, out);
  }
  answer.json = pooled_string{out.finish(answer.total, q.limit, q.offset), &page_buffers()};
  return answer;
}

stats_snapshot read_stats(read_statements& sql) {
  const table_totals totals = read_totals(sql);
  stats_snapshot stats;
  stats.total_messages = totals.messages;
  stats.senders_count = totals.senders;
  stats.first_message_ts = totals.first_ts;
  stats.last_message_ts = totals.last_ts;
  while (sql.top_senders.step())
    stats.messages_per_sender.push_back({sql.top_senders.column_text(0), sql.top_senders.column_int(1)});
  sql.top_senders.reset();
  return stats;
}

}  // namespace webhookd::sqlite
