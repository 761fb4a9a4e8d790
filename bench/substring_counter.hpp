// substring_counter: in how many texts each of a set of byte strings occurs,
// counted in one pass over each text (an Aho-Corasick automaton), so that
// the cost per text does not grow with the number of strings. Used by
// make_vocabulary to measure q's document frequencies; the caller folds case.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace webhookd::bench {

// Aho-Corasick over bytes, with the bytes no pattern uses folded into one
// class, so the dense transition table stays small.
class substring_counter {
 public:
  explicit substring_counter(const std::vector<std::string>& patterns)
      : docs_(patterns.size(), 0), last_doc_(patterns.size(), -1) {
    for (const auto& p : patterns)
      for (unsigned char c : p)
        if (class_of_[c] == 0) class_of_[c] = static_cast<std::uint8_t>(++classes_);
    ++classes_;  // class 0: bytes in no pattern
    add_state();
    for (std::size_t id = 0; id < patterns.size(); ++id) {
      std::int32_t s = 0;
      for (unsigned char c : patterns[id]) {
        std::int32_t& next = trans_[static_cast<std::size_t>(s) * classes_ + class_of_[c]];
        if (next < 0) {
          const std::int32_t created = add_state();
          // add_state may have moved trans_: look the slot up again.
          trans_[static_cast<std::size_t>(s) * classes_ + class_of_[c]] = created;
          s = created;
        } else {
          s = next;
        }
      }
      output_[static_cast<std::size_t>(s)] = static_cast<std::int32_t>(id);
    }
    link();
  }

  // Counts one text (already lower-cased) towards every pattern it contains.
  void count(std::string_view text) {
    ++doc_;
    std::int32_t s = 0;
    for (unsigned char c : text) {
      s = trans_[static_cast<std::size_t>(s) * classes_ + class_of_[c]];
      for (std::int32_t t = output_[static_cast<std::size_t>(s)] >= 0 ? s : dict_[static_cast<std::size_t>(s)]; t > 0;
           t = dict_[static_cast<std::size_t>(t)]) {
        const auto id = static_cast<std::size_t>(output_[static_cast<std::size_t>(t)]);
        if (last_doc_[id] != doc_) {
          last_doc_[id] = doc_;
          ++docs_[id];
        }
      }
    }
  }

  const std::vector<std::int64_t>& docs() const { return docs_; }

 private:
  std::int32_t add_state() {
    trans_.resize(trans_.size() + classes_, -1);
    output_.push_back(-1);
    fail_.push_back(0);
    dict_.push_back(0);
    return static_cast<std::int32_t>(output_.size() - 1);
  }

  // Breadth first: failure links, the nearest proper suffix that ends a
  // pattern (dict_), and every missing transition filled in.
  void link() {
    std::deque<std::int32_t> queue;
    for (std::size_t c = 0; c < classes_; ++c) {
      std::int32_t& child = trans_[c];
      if (child < 0) {
        child = 0;
      } else {
        fail_[static_cast<std::size_t>(child)] = 0;
        queue.push_back(child);
      }
    }
    while (!queue.empty()) {
      const auto s = static_cast<std::size_t>(queue.front());
      queue.pop_front();
      for (std::size_t c = 0; c < classes_; ++c) {
        const std::int32_t via_fail = trans_[static_cast<std::size_t>(fail_[s]) * classes_ + c];
        std::int32_t& child = trans_[s * classes_ + c];
        if (child < 0) {
          child = via_fail;
          continue;
        }
        const auto k = static_cast<std::size_t>(child);
        fail_[k] = via_fail;
        dict_[k] = output_[static_cast<std::size_t>(via_fail)] >= 0 ? via_fail : dict_[static_cast<std::size_t>(via_fail)];
        queue.push_back(child);
      }
    }
  }

  std::uint8_t class_of_[256] = {};
  std::size_t classes_ = 0;
  std::vector<std::int32_t> trans_, output_, fail_, dict_;
  std::vector<std::int64_t> docs_;
  std::vector<std::int64_t> last_doc_;
  std::int64_t doc_ = 0;
};

}  // namespace webhookd::bench
