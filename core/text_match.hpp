// The `q` filter of GET /messages: a literal substring of `text`, ASCII letters
// compared case-insensitively and every other byte (UTF-8 included) as it is,
// so '%', '_' and '\' match only themselves. The SQLite backend's text index
// gives the same answers (actors/storage/sqlite/text_index.hpp); this is the
// test for rows the index does not hold yet, and the reference in tests.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace webhookd {

inline char fold_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// A needle prepared once for many texts (Boyer-Moore: linear in the text,
// whatever the needle). Not thread-safe: it keeps a scratch buffer.
class folded_needle {
 public:
  explicit folded_needle(std::string_view needle);
  folded_needle(const folded_needle&) = delete;
  folded_needle& operator=(const folded_needle&) = delete;

  bool found_in(std::string_view text) const;

 private:
  std::string needle_;
  std::boyer_moore_searcher<std::string::const_iterator> searcher_;
  mutable std::string folded_text_;
};

}  // namespace webhookd
