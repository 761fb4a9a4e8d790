// Feeds bytes through a request_screen the way the screened socket does:
// in pieces of a given size, the rest of a piece kept until the request
// before it has been handed over. Header-only, for the unit tests and the
// fuzz target alike.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_screen.hpp"

namespace webhookd::test {

struct screened_bytes {
  std::vector<std::string> handed_over;  // one entry per request
  std::string unfinished;                // handed over for a request not complete yet
  bool finished = false;                 // refused: nothing after it was read
  int continues = 0;                     // 100 Continue answers due
  bool stalled = false;                  // bytes left that the screen would not take (a bug)
};

inline screened_bytes screen_in_pieces(std::string_view input, std::size_t piece) {
  request_screen screen;
  screened_bytes out;
  std::string pending, current;
  std::size_t offset = 0;
  for (;;) {
    if (pending.empty()) {
      if (offset >= input.size()) break;
      auto n = std::min(piece, input.size() - offset);
      pending.assign(input.substr(offset, n));
      offset += n;
    }
    auto used = screen.feed(pending, current);
    pending.erase(0, std::min(used, pending.size()));
    if (screen.take_continue()) ++out.continues;
    if ((screen.between_requests() || screen.finished()) && !current.empty()) {
      out.handed_over.push_back(current);
      current.clear();
    }
    if (screen.finished()) {
      out.finished = true;
      break;
    }
    // The screen consumes something of every non-empty piece until it refuses.
    if (used == 0) {
      out.stalled = true;
      break;
    }
  }
  out.unfinished = current;
  return out;
}

}  // namespace webhookd::test
