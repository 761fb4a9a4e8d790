#include "actors/storage/sqlite/arrival_cache.hpp"

#include <algorithm>

namespace webhookd::sqlite {

namespace {

// Calls `use` with each logged arrival in (after, upto] as the log has it now.
// (A read that throws leaves the statement to the query actor, which resets
// every active statement of its connection.)
template <class Use>
void read_arrivals(read_statements& sql, std::int64_t after, std::int64_t upto, Use use) {
  if (upto <= after) return;
  auto& arrivals = sql.arrivals;
  arrivals.bind(1, after);
  arrivals.bind(2, upto);
  row_view row;
  while (arrivals.step()) {
    read_row(arrivals, row);
    use(arrivals.column_int(6), row);
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
  read_arrivals(sql, covered_to_, upto,
                [&](std::int64_t seq, const row_view& row) { rows_.push_back(arrival{seq, owned_row::of(row)}); });
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
