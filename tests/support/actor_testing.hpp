// Shared pieces of the actor-level tests: a quiet CAF configuration, a log
// sink that keeps the JSON log out of the test output, and a printable
// store_outcome for Boost.Test messages.
#pragma once

#include <cstdio>
#include <ostream>
#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/atom.hpp>

#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/records.hpp"

namespace webhookd {

// Found by ADL when Boost.Test prints a failed comparison.
inline std::ostream& operator<<(std::ostream& os, store_outcome o) {
  switch (o) {
    case store_outcome::created: return os << "created";
    case store_outcome::duplicate: return os << "duplicate";
    case store_outcome::unavailable: return os << "unavailable";
  }
  return os << "store_outcome(" << static_cast<int>(o) << ")";
}

namespace test {

// CAF must not write log files or print anything during tests.
struct quiet_config : caf::actor_system_config {
  quiet_config() {
    set("logger.file-verbosity", caf::atom("quiet"));
    set("logger.console-verbosity", caf::atom("quiet"));
  }
};

// An anonymous temporary file for the actors' JSON log.
struct log_sink {
  std::FILE* file = std::tmpfile();
  log_sink() {
    if (file == nullptr) throw std::runtime_error("tmpfile failed");
  }
  log_sink(const log_sink&) = delete;
  log_sink& operator=(const log_sink&) = delete;
  ~log_sink() { std::fclose(file); }
};

// What every actor-level test needs: a quiet actor system, a blocking actor
// to send requests from, metrics and a log kept out of the test output.
struct actor_world {
  log_sink sink;
  json_logger log{sink.file, log_level::debug};
  service_metrics metrics;
  quiet_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
};

}  // namespace test
}  // namespace webhookd
