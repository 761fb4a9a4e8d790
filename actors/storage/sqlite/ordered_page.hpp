// Writes a page of GET /messages from rows that arrive in rowid order. Rows
// of one second of ts share that second's rowid range in arrival order
// (row_key.hpp), so each such group is sorted by (ts, message_id) before it
// is written: the order SPEC.md asks for. A group is almost always a single
// row; at most big_group_rows - 1 of its rows are ever held. A row numbered
// past that (a burst of messages with one ts) makes add() say so, and the
// caller then hands the whole group over in page order from second_order
// (batch_writer.hpp), so no page ever sorts a large group.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/message_page_json.hpp"

namespace webhookd::sqlite {

// One row as a statement yields it; the views are valid until it steps again.
struct row_view {
  std::int64_t rowid = 0;
  std::string_view message_id, from, to, ts;
  std::optional<std::string_view> text;
};

// Groups this large are also kept in second_order, by message_id.
inline constexpr std::int64_t big_group_rows = 64;

enum class page_step {
  more,       // go on
  complete,   // the page is full; no later row belongs to it
  big_group,  // the row's second is a big group: hand it over with add_sorted
};

class ordered_page {
 public:
  // Skips the first `skip` rows (in page order) of the first group offered,
  // then writes up to `limit` rows into `out`.
  ordered_page(message_page_json& out, std::int64_t skip, std::int64_t limit);

  // Offers the next row in rowid order. On big_group nothing of that second
  // is kept: the caller offers all its rows (that pass its filters) in page
  // order to add_sorted, then goes on after the second.
  page_step add(const row_view& row);
  // One row of a big group, in page order; false once the page is full.
  bool add_sorted(const row_view& row);
  // Rows of a big group the page will skip before it writes one: a caller
  // without filters can leave them out (and call skipped()).
  std::int64_t rows_to_skip() const { return skip_; }
  void skipped(std::int64_t rows) { skip_ -= rows; }
  // The rows have run out: writes what is held.
  void finish();

 private:
  // Copies of a group's rows. The slots outlive a group and are assigned
  // again for the next one, so their strings keep their buffers: no
  // allocation per row once a page's first rows have been seen.
  struct held_row {
    std::string message_id, from, to, ts, text;
    bool has_text = false;
  };
  void write_group();
  void write_row(const row_view& row);

  message_page_json& out_;
  std::int64_t skip_;
  std::int64_t left_;
  std::int64_t group_second_ = -1;
  std::vector<held_row> slots_;
  std::size_t held_ = 0;
  std::vector<const held_row*> order_;
};

}  // namespace webhookd::sqlite
