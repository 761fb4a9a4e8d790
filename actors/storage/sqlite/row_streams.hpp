// The rows of one GET /messages filter combination in rowid order (= ts
// order, row_key.hpp), from a given rowid on: the sources a page is written
// from and a deep offset is counted through. Each stream binds its statement
// when made and resets it when destroyed; one stream per statement at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/storage/sqlite/ordered_page.hpp"
#include "actors/storage/sqlite/read_statements.hpp"
#include "actors/storage/sqlite/text_windows.hpp"
#include "core/text_match.hpp"

namespace webhookd::sqlite {

// A row read earlier and kept (rows not yet in the text index).
struct owned_row {
  std::int64_t rowid = 0;
  std::string message_id, from, to, ts;
  std::optional<std::string> text;

  row_view view() const;
  // A copy of `row`, whose views end when its statement steps again.
  static owned_row of(const row_view& row);
};

// Binds ?2 (the first rowid) and ?3 (its least ts) of a sender_* statement
// that walks the index (from second 1 on).
void bind_sender_start(statement& stmt, std::int64_t rowid);

// The rows of sender `from` from `from_rowid` on.
std::int64_t count_sender_rows(read_statements& sql, std::string_view from, std::int64_t from_rowid);

// Reads a row from `stmt`'s columns rowid, message_id, from_msisdn,
// to_msisdn, ts, text (the first six); its views end when `stmt` steps again.
void read_row(const statement& stmt, row_view& row);

// The rows whose rowids are in [first_rowid(from_second), first_rowid(to_second)).
std::int64_t rows_between(read_statements& sql, std::int64_t from_second, std::int64_t to_second);

// Whether `row`'s text holds `needle` and, with `from`, it is that sender's:
// what a search's row streams admit of a big group's rows.
inline bool holds_needle(const row_view& row, const folded_needle& needle, std::optional<std::string_view> from) {
  return (!from || row.from == *from) && row.text && needle.found_in(*row.text);
}

class row_stream {
 public:
  virtual ~row_stream() = default;
  // The next row; false at the end. `row`'s views stay valid until the next call.
  virtual bool next(row_view& row) = 0;
  // Whether `row` (of any second) is one this stream would yield: the test
  // for a big group's rows, which come from second_order instead.
  virtual bool admits(const row_view& row) const = 0;
  // Whether admits() is anything but true (some rows are left out).
  virtual bool filters() const = 0;
  // Continues from `rowid` on (after a big group).
  virtual void restart_at(std::int64_t rowid) = 0;
};

// Rowids only, where that is cheaper than whole rows (an index alone).
class key_stream {
 public:
  virtual ~key_stream() = default;
  virtual bool next(std::int64_t& rowid) = 0;
};

// Where the row at 0-based `offset` of a stream is: the second holding it and
// its rank among that second's rows (in page order). nullopt: the stream has
// no such row.
struct stream_position {
  std::int64_t second = 0;
  std::int64_t rank = 0;
};
std::optional<stream_position> find_position(key_stream& keys, std::int64_t offset);

// Every row of the table (table_*), or of one sender (sender_*). A sender's
// rows come from an index that holds them whole, in page order: (ts,
// message_id) inside a second where the table has arrival order, which
// ordered_page takes as it is. Second 0 (a ts that is not a time, which no
// webhook can store) comes first, from the table's rowid range: the index
// would order its rows by their ts strings, among the others.
class table_rows final : public row_stream {
 public:
  table_rows(read_statements& sql, std::int64_t from_rowid);
  ~table_rows() override;
  bool next(row_view& row) override;
  bool admits(const row_view&) const override { return true; }
  bool filters() const override { return false; }
  void restart_at(std::int64_t rowid) override;

 private:
  statement& stmt_;
};

class table_keys final : public key_stream {
 public:
  table_keys(read_statements& sql, std::int64_t from_rowid);
  ~table_keys() override;
  bool next(std::int64_t& rowid) override;

 private:
  statement& stmt_;
};

class sender_rows final : public row_stream {
 public:
  sender_rows(read_statements& sql, std::string_view from, std::int64_t from_rowid);
  ~sender_rows() override;
  bool next(row_view& row) override;
  bool admits(const row_view& row) const override { return row.from == from_; }
  bool filters() const override { return true; }
  void restart_at(std::int64_t rowid) override;

 private:
  void bind_start(std::int64_t rowid);

  statement& stmt_;
  statement& second_zero_;
  std::string_view from_;
  bool in_second_zero_ = false;
};

// A sender's keys in rowid order (what common_keys joins with the text
// index's), from an index in page order: each second's keys are sorted.
class sender_keys final : public key_stream {
 public:
  sender_keys(read_statements& sql, std::string_view from, std::int64_t from_rowid);
  ~sender_keys() override;
  bool next(std::int64_t& rowid) override;

 private:
  bool read_second();

  statement& stmt_;
  statement& burst_;  // a second with many keys, from the table
  std::string_view from_;
  std::int64_t from_rowid_;
  std::vector<std::int64_t> held_;  // one second's keys, sorted
  std::size_t next_held_ = 0;
  std::optional<std::int64_t> ahead_;  // the next second's first key, read ahead
  bool in_burst_ = false;
  bool done_ = false;  // the index's statement has no more rows
};

// The rows of another stream whose text holds `needle` (checked row by row).
class needle_rows final : public row_stream {
 public:
  needle_rows(row_stream& rows, const folded_needle& needle) : rows_(rows), needle_(needle) {}
  bool next(row_view& row) override;
  bool admits(const row_view& row) const override {
    return rows_.admits(row) && row.text && needle_.found_in(*row.text);
  }
  bool filters() const override { return true; }
  void restart_at(std::int64_t rowid) override { rows_.restart_at(rowid); }

 private:
  row_stream& rows_;
  const folded_needle& needle_;
};

// Keys of the rows in the text index that match `expression`, merged with
// `pending` (rows that match but are not in the index yet, in rowid order).
class text_keys final : public key_stream {
 public:
  // `indexed`: the rowids the index may hold (text_windows.hpp).
  text_keys(text_statements& sql, const std::string& expression, rowid_range indexed, std::int64_t from_rowid,
            const std::vector<owned_row>& pending);
  ~text_keys() override;
  bool next(std::int64_t& rowid) override;
  // Whether the last key came from `pending` (its row is pending[last_pending()]).
  std::optional<std::size_t> last_pending() const { return last_pending_; }
  void restart_at(std::int64_t rowid);

 private:
  bool step_indexed();  // the index's next key, window after window

  text_statements& sql_;
  statement& stmt_;
  const std::string& expression_;
  const std::vector<owned_row>& pending_;
  rowid_windows windows_;
  bool in_window_ = false;
  std::size_t next_pending_ = 0;
  std::optional<std::int64_t> indexed_;  // the index's next key, read ahead
  bool indexed_done_ = false;
  std::optional<std::size_t> last_pending_;
};

// The whole rows of text_keys (whose text holds `needle`), optionally of one
// sender only.
class text_rows final : public row_stream {
 public:
  text_rows(read_statements& sql, text_keys& keys, const std::vector<owned_row>& pending,
            const folded_needle& needle, std::optional<std::string_view> from);
  ~text_rows() override;
  bool next(row_view& row) override;
  bool admits(const row_view& row) const override { return holds_needle(row, needle_, from_); }
  bool filters() const override { return true; }
  void restart_at(std::int64_t rowid) override { keys_.restart_at(rowid); }

 private:
  read_statements& sql_;
  text_keys& keys_;
  const std::vector<owned_row>& pending_;
  const folded_needle& needle_;
  std::optional<std::string_view> from_;
};

// The rows of a list of rowids in ascending order (a remembered head of
// matches, match_head.hpp), each read by its rowid; `needle` and `from` are
// what admits() tests a big group's other rows for.
class listed_rows final : public row_stream {
 public:
  listed_rows(read_statements& sql, const std::vector<std::int64_t>& rowids, const folded_needle& needle,
              std::optional<std::string_view> from);
  ~listed_rows() override;
  bool next(row_view& row) override;
  bool admits(const row_view& row) const override { return holds_needle(row, needle_, from_); }
  bool filters() const override { return true; }
  void restart_at(std::int64_t rowid) override;

 private:
  read_statements& sql_;
  const std::vector<std::int64_t>& rowids_;
  std::size_t next_ = 0;
  const folded_needle& needle_;
  std::optional<std::string_view> from_;
};

// The keys both streams yield (each in ascending order): a search's matches
// in the text index joined with one sender's keys from the sender index,
// neither row read.
class common_keys final : public key_stream {
 public:
  common_keys(key_stream& first, key_stream& second) : first_(first), second_(second) {}
  bool next(std::int64_t& rowid) override;

 private:
  key_stream& first_;
  key_stream& second_;
};

// The keys of a row stream (when no index gives them alone).
class keys_of_rows final : public key_stream {
 public:
  explicit keys_of_rows(row_stream& rows) : rows_(rows) {}
  bool next(std::int64_t& rowid) override;

 private:
  row_stream& rows_;
};

// Writes rows from `rows` into `page` until it is complete or the rows end;
// a big group's rows come from second_order, in page order.
void fill_page(read_statements& sql, row_stream& rows, ordered_page& page);

}  // namespace webhookd::sqlite
