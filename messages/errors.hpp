// Errors that actors answer with instead of a value. The HTTP layer maps
// each to a status code; none carries SQL text or other internals.
#pragma once

#include <cstdint>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace webhookd {

enum class webhookd_errc : std::uint8_t {
  storage_unavailable = 1,  // the database cannot be read or written now
  query_interrupted = 2,    // a read ran past its deadline (or the service is stopping) and was stopped
};

inline caf::atom_value webhookd_error_category() { return caf::atom("webhookd"); }

inline caf::error make_error(webhookd_errc code) {
  return caf::error{static_cast<std::uint8_t>(code), webhookd_error_category()};
}

inline bool is_error(const caf::error& err, webhookd_errc code) {
  return err.category() == webhookd_error_category() &&
         err.code() == static_cast<std::uint8_t>(code);
}

}  // namespace webhookd
