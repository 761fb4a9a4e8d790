#include "actors/storage/sqlite/arrival_cache.hpp"

#include <algorithm>

namespace webhookd::sqlite {

namespace {

// Calls `use` with each logged arrival in (after, upto] as the log has it now.
template <class Use>
void read_arrivals(read_statements& sql, std::int64_t after, std::int64_t upto, Use use) {
  if (upto <= after) return;
  auto& arrivals = sql.arrivals;
  arrivals.bind(1, after);
  arrivals.bind(2, upto);
  try {
    while (arrivals.step()) {
      row_view row{arrivals.column_int(0), arrivals.column_view(1), arrivals.column_view(2), arrivals.column_view(3),
                   arrivals.column_view(4), std::nullopt};
      if (!arrivals.column_is_null(5)) row.text = arrivals.column_view(5);
      use(arrivals.column_int(6), row);
    }
  } catch (...) {
    arrivals.reset();
    throw;
  }
  arrivals.reset();
}

}  // namespace

void arrival_cache::clear() {
  rows_.clear();
  database_id_.clear();
  covered_from_ = covered_to_ = 0;
}

void arrival_cache::extend(read_statements& sql, std::int64_t upto) {
  read_arrivals(sql, covered_to_, upto, [&](std::int64_t seq, const row_view& row) {
    owned_row kept{row.rowid, std::string{row.message_id}, std::string{row.from}, std::string{row.to},
                   std::string{row.ts}, std::nullopt};
    if (row.text) kept.text = std::string{*row.text};
    rows_.push_back(arrival{seq, std::move(kept)});
  });
  covered_to_ = upto;
}

void arrival_cache::visit(read_statements& sql, std::string_view database_id, std::int64_t after, std::int64_t upto,
                          const std::function<void(const row_view&)>& use) {
  if (upto <= after) return;
  auto direct = [&](std::int64_t from, std::int64_t to) {
    read_arrivals(sql, from, to, [&](std::int64_t, const row_view& row) { use(row); });
  };
  if (static_cast<std::uint64_t>(upto - after) > capacity_) return direct(after, upto);
  if (database_id != database_id_) {
    clear();
    database_id_ = std::string{database_id};
  }
  // Not adjacent to what is held (first use, or the log moved on past it by
  // more than one answer's worth): start again at `after`.
  if (rows_.empty() || after > covered_to_ || upto < covered_from_) {
    rows_.clear();
    covered_from_ = covered_to_ = after;
  }
  if (upto > covered_to_) extend(sql, upto);
  // The part older than what is held comes from the log.
  if (after < covered_from_) direct(after, covered_from_);
  const std::int64_t first = std::max(after, covered_from_);
  auto it = std::lower_bound(rows_.begin(), rows_.end(), first + 1,
                             [](const arrival& a, std::int64_t seq) { return a.seq < seq; });
  for (; it != rows_.end() && it->seq <= upto; ++it) use(it->row.view());
  while (rows_.size() > capacity_) {
    covered_from_ = rows_.front().seq;
    rows_.pop_front();
  }
}

}  // namespace webhookd::sqlite
