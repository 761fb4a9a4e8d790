#include "actors/storage/sqlite/row_cache.hpp"

namespace webhookd {

row_cache::row_cache(std::size_t slots, std::size_t largest_row, std::size_t byte_budget)
    : largest_row_(largest_row), byte_budget_(byte_budget) {
  std::size_t count = ways;
  while (count < slots) count *= 2;
  slots_.resize(count);
  missed_once_.resize(count, 0);
  recent_way_.resize(count / ways, 0);
}

std::size_t row_cache::set_of(std::int64_t rowid) const {
  // Rows of one page have scattered rowids; the low bits spread them well.
  const std::size_t sets = slots_.size() / ways;
  return (static_cast<std::size_t>(static_cast<std::uint64_t>(rowid)) & (sets - 1)) * ways;
}

const std::string* row_cache::find(std::int64_t rowid, std::string_view message_id) {
  if (rowid == 0) return nullptr;
  const std::size_t first = set_of(rowid);
  for (std::size_t way = 0; way < ways; ++way) {
    const slot& s = slots_[first + way];
    if (s.rowid == rowid && s.message_id == message_id) {
      recent_way_[first / ways] = static_cast<std::uint8_t>(way);
      return &s.json;
    }
  }
  return nullptr;
}

void row_cache::store(std::int64_t rowid, std::string_view message_id, std::string_view json) {
  if (rowid == 0 || message_id.size() + json.size() > largest_row_) return;
  const std::size_t first = set_of(rowid);
  std::int64_t* notes = &missed_once_[first];
  if (notes[0] != rowid && notes[1] != rowid) {
    notes[1] = notes[0];
    notes[0] = rowid;
    return;
  }
  // The slot already holding this rowid (with another message_id), else an
  // empty one, else the one used less recently.
  std::size_t way = 1 - recent_way_[first / ways];
  for (std::size_t w = 0; w < ways; ++w) {
    if (slots_[first + w].rowid == rowid) {
      way = w;
      break;
    }
    if (slots_[first + w].rowid == 0) way = w;
  }
  slot& s = slots_[first + way];
  const std::size_t before = s.message_id.capacity() + s.json.capacity();
  // A string that must grow takes at least the new size more.
  const std::size_t growth = (message_id.size() > s.message_id.capacity() ? message_id.size() : 0) +
                             (json.size() > s.json.capacity() ? json.size() : 0);
  if (bytes_ + growth > byte_budget_) return;
  if (s.rowid == 0) ++used_;
  s.rowid = rowid;
  // assign() reuses the slot's memory when the new row fits in it.
  s.message_id.assign(message_id);
  s.json.assign(json);
  bytes_ = bytes_ - before + s.message_id.capacity() + s.json.capacity();
  recent_way_[first / ways] = static_cast<std::uint8_t>(way);
}

void row_cache::clear() {
  for (auto& s : slots_) s = slot{};
  bytes_ = 0;
  for (auto& rowid : missed_once_) rowid = 0;
  for (auto& way : recent_way_) way = 0;
  used_ = 0;
}

}  // namespace webhookd
