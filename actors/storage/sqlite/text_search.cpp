#include "actors/storage/sqlite/text_search.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "actors/storage/sqlite/arrival_cache.hpp"
#include "actors/storage/sqlite/match_head.hpp"
#include "actors/storage/sqlite/ordered_page.hpp"
#include "actors/storage/sqlite/row_key.hpp"
#include "actors/storage/sqlite/row_streams.hpp"
#include "actors/storage/sqlite/text_windows.hpp"

namespace webhookd::sqlite {

namespace {

// A q search of one sender with at most this many messages tests that
// sender's rows; a busier sender's search goes through the text index.
constexpr std::int64_t sender_search_rows = 20000;
// A 1- or 2-byte needle first tries the rows in ts order, up to this many,
// before the text index: common short needles fill a page within a few rows,
// while FTS5 merges the whole lists of every token they prefix.
constexpr std::int64_t short_needle_walk = 4096;
// A page from the remembered first matches is walked in ts order instead when
// the matches are dense enough to fill it within about this many rows: 50
// rows read one by one cost about what 250 neighbouring rows do (1M rows,
// 64 connections: q=ok, in 41 % of the texts, 12.3k / 11.9k req/s walked
// against 7.6k / 9.0k looked up; q=invoice, 13 %, 7.0k / 6.5k walked against
// 7.8k / 8.4k looked up).
constexpr std::int64_t densest_walk = 256;
// A remembered total is brought up to date from the arrival log while at
// most this many rows arrived since; past that it is counted again.
constexpr std::int64_t catch_up_rows = 20000;
constexpr std::size_t longest_remembered_key = 1024;

// The text index as this answer may use it: its statements and the arrival
// it holds every row up to.
struct usable_index {
  text_statements* sql = nullptr;
  std::int64_t indexed_seq = 0;
};

std::optional<usable_index> usable(text_statements* text, const std::optional<text_index_state>& state,
                                   const table_totals& totals, const std::string& database_id) {
  if (!state || !state->complete || state->indexed_seq > totals.ingest_seq) return std::nullopt;
  if (database_id != state->database_id) return std::nullopt;
  return usable_index{text, state->indexed_seq};
}

// storage_identity's id: which database the text index and the arrivals
// kept in memory belong to.
std::string read_database_id(read_statements& sql) {
  std::string database_id;
  if (sql.database_id.step()) database_id = sql.database_id.column_text(0);
  sql.database_id.reset();
  return database_id;
}

// The rowids of the table's rows: those the text index may hold.
rowid_range table_rowids(read_statements& sql) {
  rowid_range range;
  if (sql.rowid_bounds.step() && !sql.rowid_bounds.column_is_null(0))
    range = rowid_range{sql.rowid_bounds.column_int(0), sql.rowid_bounds.column_int(1)};
  sql.rowid_bounds.reset();
  return range;
}

// Rows that arrived after `after` up to `upto` (ingest sequence numbers) and
// pass every filter, in rowid order.
std::vector<owned_row> arrived_matches(read_statements& sql, arrival_cache& arrivals, const std::string& database_id,
                                       const list_filters& f, std::int64_t after, std::int64_t upto) {
  std::vector<owned_row> rows;
  arrivals.visit(sql, database_id, after, upto, [&](const row_view& row) {
    if (f.admits(row.rowid, row.from, row.text)) rows.push_back(owned_row::of(row));
  });
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

class text_search {
 public:
  text_search(read_statements& sql, count_cache& counts, arrival_cache& arrivals, std::string database_id,
              const message_query& q, const table_totals& totals, std::optional<usable_index> index)
    : sql_(sql), counts_(counts), arrivals_(arrivals), database_id_(std::move(database_id)), q_(q), totals_(totals),
      filters_(q), index_(index), expression_(text_match_expression(*q.q)) {
    by_sender_ = q.from && (!index_ || sender_total(sql, *q.from) <= sender_search_rows);
  }

  // Writes the page into `out`; returns the total. The count comes first:
  // remembered, or counted in one pass that also keeps the first matches,
  // from which the page is then read.
  std::int64_t answer(message_page_json& out) {
    const std::string key = count_key(q_);
    const bool rememberable = key.size() <= longest_remembered_key;
    std::optional<counted_snapshot> known = rememberable ? remembered(key) : std::nullopt;
    if (!known) {
      const auto started = std::chrono::steady_clock::now();
      known = count_matches();
      if (rememberable) counts_.offer(key, *known, std::chrono::steady_clock::now() - started);
    }
    if (q_.offset >= known->matches) return known->matches;
    if (head_serves(*known, q_.offset, q_.limit)) {
      // A common needle's page is a short run of neighbouring rows: cheaper to
      // walk than the first matches are to look up one by one.
      if (q_.from || expected_walk(known->matches) > densest_walk || !try_walk(out, 2 * densest_walk))
        write_from_head(out, *known->head);
    } else {
      write(out, known->matches);
    }
    return known->matches;
  }

 private:
  // What is remembered for `key`, brought to this snapshot; nullopt when it
  // has to be counted afresh.
  std::optional<counted_snapshot> remembered(const std::string& key) {
    auto known = counts_.find(key);
    if (!known || known->ingest_seq == totals_.ingest_seq) return known;
    // A count from a later snapshot (another query actor's) cannot be taken
    // back to this one; one too far behind is counted again.
    const std::int64_t behind = totals_.ingest_seq - known->ingest_seq;
    if (behind <= 0 || behind > catch_up_rows || single_int(sql_.oldest_arrival) > known->ingest_seq + 1)
      return std::nullopt;
    std::vector<std::int64_t> arrived;
    for (const auto& row : arrived_matches(sql_, arrivals_, database_id_, filters_, known->ingest_seq, totals_.ingest_seq))
      arrived.push_back(row.rowid);
    add_arrivals(*known, arrived);
    known->ingest_seq = totals_.ingest_seq;
    counts_.store(key, *known);
    return known;
  }

  // What a walk through the index needs: the rows it does not hold yet and
  // the rowids it may hold. Read only when the index is walked (a page from
  // the remembered first matches needs neither).
  void prepare_index_walk() {
    if (!index_ || by_sender_ || walk_prepared_) return;
    pending_ = arrived_matches(sql_, arrivals_, database_id_, filters_, index_->indexed_seq, totals_.ingest_seq);
    indexed_ = table_rowids(sql_);
    walk_prepared_ = true;
  }

  // About how many rows a walk in ts order reads to fill the page, from the
  // total `matches`.
  std::int64_t expected_walk(std::int64_t matches) const {
    return (q_.offset + q_.limit) * std::max<std::int64_t>(totals_.messages, 1) / std::max<std::int64_t>(matches, 1);
  }

  // A walk expected to need more than half its budget is not tried: a 1 %
  // needle read its 4,096 rows for about 41 matches, then went through the
  // index all the same.
  void write(message_page_json& out, std::int64_t matches) {
    prepare_index_walk();
    if (index_ && q_.q->size() <= 2 && !by_sender_ && q_.offset + q_.limit <= walked_offsets &&
        2 * expected_walk(matches) <= short_needle_walk && try_walk(out, short_needle_walk))
      return;
    write_page(sql_, out, q_, [&](auto start, auto use) { with_rows(start, use); },
               [&](auto use) { with_keys(use); });
  }

  void write_from_head(message_page_json& out, const std::vector<std::int64_t>& head) {
    listed_rows rows{sql_, head, *filters_.needle, sender()};
    ordered_page page{out, q_.offset, q_.limit};
    fill_page(sql_, rows, page);
  }

  std::optional<std::string_view> sender() const {
    if (q_.from) return std::string_view{*q_.from};
    return std::nullopt;
  }

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
    text_rows rows{sql_, keys, pending_, *filters_.needle, sender()};
    use(rows);
  }

  // Whether the matches' keys come from indexes alone (no row read): the
  // text index's, joined with the sender index's when there is `from`.
  bool keys_from_index() const { return index_ && !by_sender_; }

  template <class Use>
  void with_index_keys(Use use) {
    text_keys matches{*index_->sql, expression_, indexed_, filters_.start_rowid, pending_};
    if (!q_.from) {
      use(matches);
      return;
    }
    sender_keys senders{sql_, *q_.from, filters_.start_rowid};
    common_keys both{matches, senders};
    use(both);
  }

  template <class Use>
  void with_keys(Use use) {
    if (keys_from_index()) return with_index_keys(use);
    with_rows(std::nullopt, [&](row_stream& rows) {
      keys_of_rows keys{rows};
      use(keys);
    });
  }

  // The page from the rows in ts order, if it fills within `budget` rows;
  // false (nothing written) otherwise.
  bool try_walk(message_page_json& out, std::int64_t budget_rows) {
    message_page_json attempt;
    ordered_page page{attempt, q_.offset, q_.limit};
    auto walk = [&](row_stream& rows) {
      budgeted_rows budget{rows, budget_rows};
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

  // Every match counted in one pass, the first ones kept on the way. Through
  // the text index alone, the matches after the head are counted by FTS5,
  // window by window, without stepping through them.
  counted_snapshot count_matches() {
    prepare_index_walk();
    counted_snapshot counted;
    counted.ingest_seq = totals_.ingest_seq;
    head_collector head;
    if (keys_from_index()) {
      with_index_keys([&](key_stream& keys) {
        std::int64_t rowid = 0;
        while (keys.next(rowid)) {
          ++counted.matches;
          if (!head.take(rowid) && !q_.from) {
            counted.matches += indexed_matches_after(rowid) + pending_matches_after(rowid);
            break;
          }
        }
      });
    } else {
      with_rows(std::nullopt, [&](row_stream& rows) {
        row_view row;
        while (rows.next(row)) {
          ++counted.matches;
          head.take(row.rowid);
        }
      });
    }
    head.finish(counted);
    return counted;
  }

  std::int64_t indexed_matches_after(std::int64_t rowid) {
    auto& counted = index_->sql->keys_counted;
    std::int64_t matches = 0;
    rowid_windows windows{indexed_};
    windows.restart_at(rowid + 1);
    while (auto window = windows.next()) {
      index_->sql->db.stop_if_asked();
      counted.bind(1, std::string_view{expression_});
      counted.bind(2, window->first);
      counted.bind(3, window->last);
      matches += single_int(counted);
    }
    return matches;
  }

  std::int64_t pending_matches_after(std::int64_t rowid) const {
    return std::count_if(pending_.begin(), pending_.end(), [&](const owned_row& row) { return row.rowid > rowid; });
  }

  read_statements& sql_;
  count_cache& counts_;
  arrival_cache& arrivals_;
  std::string database_id_;
  const message_query& q_;
  const table_totals& totals_;
  list_filters filters_;
  std::optional<usable_index> index_;
  std::string expression_;
  bool by_sender_ = false;
  bool walk_prepared_ = false;
  std::vector<owned_row> pending_;
  rowid_range indexed_;  // what the index may hold, when it is used
};

}  // namespace

std::optional<text_index_state> read_index_state(text_statements* text) {
  if (text == nullptr) return std::nullopt;
  std::optional<text_index_state> state;
  if (text->state.step())
    state = text_index_state{text->state.column_text(0), text->state.column_int(1), text->state.column_int(2) != 0};
  text->state.reset();
  return state;
}

std::int64_t search_messages(read_statements& sql, text_statements* text,
                             const std::optional<text_index_state>& index_state, count_cache& counts,
                             arrival_cache& arrivals, const message_query& q, const table_totals& totals,
                             message_page_json& out) {
  std::string database_id = read_database_id(sql);
  auto index = text_index_serves(*q.q) ? usable(text, index_state, totals, database_id) : std::nullopt;
  text_search search{sql, counts, arrivals, std::move(database_id), q, totals, index};
  return search.answer(out);
}

}  // namespace webhookd::sqlite
