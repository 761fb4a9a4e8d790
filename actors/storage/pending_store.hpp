// One store request waiting for its backend's next commit: a single record
// (POST /webhook) or several (a WhatsApp notification), with the promise its
// answer goes to. Shared by every backend's storage actor: grouping waiting
// stores into one transaction is the same whatever commits it.
#pragma once

#include <variant>
#include <vector>

#include <caf/result.hpp>
#include <caf/typed_response_promise.hpp>

#include "messages/records.hpp"

namespace webhookd {

struct pending_store {
  std::vector<message_record> records;
  std::variant<caf::typed_response_promise<store_outcome>, caf::typed_response_promise<std::vector<store_outcome>>>
    promise;

  // One outcome per record, in order.
  void deliver(std::vector<store_outcome> outcomes) {
    if (auto* one = std::get_if<0>(&promise))
      one->deliver(outcomes.front());
    else
      std::get<1>(promise).deliver(std::move(outcomes));
  }
  void deliver_unavailable() { deliver(std::vector<store_outcome>(records.size(), store_outcome::unavailable)); }
};

// Every record of `batch`, in order, as the writers take them.
inline std::vector<const message_record*> records_of(const std::vector<pending_store>& batch) {
  std::vector<const message_record*> records;
  for (const auto& item : batch)
    for (const auto& record : item.records) records.push_back(&record);
  return records;
}

// Answers each request of `batch` with its slice of `outcomes` (one per
// record, in records_of's order).
inline void deliver_all(std::vector<pending_store>& batch, const std::vector<store_outcome>& outcomes) {
  auto next = outcomes.begin();
  for (auto& item : batch) {
    auto end = next + static_cast<std::ptrdiff_t>(item.records.size());
    item.deliver(std::vector<store_outcome>(next, end));
    next = end;
  }
}

// The two store handlers every backend's storage actor has: refuse at once
// while the store is unavailable, otherwise queue the request for the next
// commit via `enqueue(self, pending_store)` and answer when it is done.
template <class Self, class Enqueue>
caf::result<store_outcome> accept_store(Self self, message_record& record, Enqueue enqueue) {
  if (!self->state.available()) return store_outcome::unavailable;
  auto promise = self->template make_response_promise<store_outcome>();
  std::vector<message_record> records;
  records.push_back(std::move(record));
  enqueue(self, pending_store{std::move(records), promise});
  return promise;
}

template <class Self, class Enqueue>
caf::result<std::vector<store_outcome>> accept_store(Self self, std::vector<message_record>& records,
                                                     Enqueue enqueue) {
  if (!self->state.available()) return std::vector<store_outcome>(records.size(), store_outcome::unavailable);
  if (records.empty()) return std::vector<store_outcome>{};
  auto promise = self->template make_response_promise<std::vector<store_outcome>>();
  enqueue(self, pending_store{std::move(records), promise});
  return promise;
}

}  // namespace webhookd
