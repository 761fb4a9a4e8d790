// The body of GET /messages, written row by row while the query steps
// through its result: no record per row is built, copied into an actor
// message and freed on another thread, which was most of the per-row cost
// of a page once SQLite had found the rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace webhookd {

class message_page_json {
 public:
  // Writes into `buffer` (cleared first), e.g. one from a string_pool.
  explicit message_page_json(std::string buffer = {});

  // One element of "data": fields in SPEC.md's order, no text as null.
  void add_row(std::string_view message_id, std::string_view from, std::string_view to, std::string_view ts,
               std::optional<std::string_view> text);

  std::size_t rows() const { return rows_; }

  // Closes "data" and appends total, limit and offset; the writer is spent.
  std::string finish(std::int64_t total, int limit, std::int64_t offset);

 private:
  std::string out_;
  std::size_t rows_ = 0;
};

}  // namespace webhookd
