// The rows that arrived last, as one query actor read them from the arrival
// log (ingest_log). Every q answer tests the rows the text index does not
// hold yet, and while webhooks keep arriving those are hundreds to thousands:
// read afresh per answer (a lookup in the log and one in the table per row,
// their pages mostly in the WAL, which the memory map does not cover: read
// with pread) they were most of a search's cost under ingest. A committed row
// never changes, so one read serves every later snapshot of the same
// database; only the rows that arrived since are read.
//
// One per query actor (no sharing, no lock). Bounded: at most `capacity`
// rows (8,192: 1.5-2 MiB of the bench's rows), the oldest dropped first; a
// wider range is read from the log as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "actors/storage/sqlite/read_statements.hpp"
#include "actors/storage/sqlite/row_streams.hpp"

namespace webhookd::sqlite {

class arrival_cache {
 public:
  static constexpr std::size_t default_capacity = 8192;

  explicit arrival_cache(std::size_t capacity = default_capacity) : capacity_(capacity) {}

  // Calls `use` with every logged arrival whose sequence number is in
  // (after, upto], in arrival order, inside the caller's read transaction
  // (whose snapshot holds every arrival up to `upto`). `database_id`:
  // storage_identity's, so that rows of a replaced file are never served.
  void visit(read_statements& sql, std::string_view database_id, std::int64_t after, std::int64_t upto,
             const std::function<void(const row_view&)>& use);

  void clear();
  std::size_t size() const { return rows_.size(); }

 private:
  struct arrival {
    std::int64_t seq = 0;
    owned_row row;
  };

  // Appends the arrivals in (covered_to_, upto].
  void extend(read_statements& sql, std::int64_t upto);

  std::size_t capacity_;
  std::string database_id_;
  std::deque<arrival> rows_;
  // rows_ holds every logged arrival with a sequence number in this range.
  std::int64_t covered_from_ = 0, covered_to_ = 0;
};

}  // namespace webhookd::sqlite
