#include "actors/storage/sqlite/ordered_page.hpp"

#include <algorithm>
#include <tuple>

#include "actors/storage/sqlite/row_key.hpp"

namespace webhookd::sqlite {

ordered_page::ordered_page(message_page_json& out, std::int64_t skip, std::int64_t limit)
  : out_(out), skip_(skip), left_(limit) {}

page_step ordered_page::add(const row_view& row) {
  const std::int64_t second = second_of_rowid(row.rowid);
  if (second != group_second_) {
    write_group();
    if (left_ <= 0) return page_step::complete;
    group_second_ = second;
  }
  if ((row.rowid & (sequences_per_second - 1)) >= big_group_rows - 1) {
    held_ = 0;  // the caller hands the whole group over instead
    group_second_ = -1;
    return page_step::big_group;
  }
  if (held_ == slots_.size()) slots_.emplace_back();
  held_row& held = slots_[held_++];
  held.message_id.assign(row.message_id);
  held.from.assign(row.from);
  held.to.assign(row.to);
  held.ts.assign(row.ts);
  held.has_text = row.text.has_value();
  if (row.text) held.text.assign(*row.text);
  return page_step::more;
}

bool ordered_page::add_sorted(const row_view& row) {
  if (left_ <= 0) return false;
  if (skip_ > 0) {
    --skip_;
    return true;
  }
  write_row(row);
  return left_ > 0;
}

void ordered_page::write_row(const row_view& row) {
  out_.add_row(row.message_id, row.from, row.to, row.ts, row.text);
  --left_;
}

void ordered_page::finish() { write_group(); }

void ordered_page::write_group() {
  order_.clear();
  for (std::size_t i = 0; i < held_; ++i) order_.push_back(&slots_[i]);
  if (order_.size() > 1)
    std::sort(order_.begin(), order_.end(), [](const held_row* a, const held_row* b) {
      return std::tie(a->ts, a->message_id) < std::tie(b->ts, b->message_id);
    });
  for (const held_row* row : order_) {
    if (skip_ > 0) {
      --skip_;
      continue;
    }
    if (left_ <= 0) break;
    std::optional<std::string_view> text;
    if (row->has_text) text = row->text;
    write_row(row_view{0, row->message_id, row->from, row->to, row->ts, text});
  }
  held_ = 0;
}

}  // namespace webhookd::sqlite
