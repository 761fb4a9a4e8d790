// This process's own resource figures, read from /proc (Linux).
#pragma once

#include <cstdint>
#include <optional>

namespace webhookd {

struct process_stats {
  double cpu_seconds = 0;         // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  std::int64_t threads = 0;
  double start_time_seconds = 0;  // Unix time
  std::int64_t open_fds = 0;
  std::int64_t max_fds = 0;
};

// nullopt when /proc cannot be read.
std::optional<process_stats> read_process_stats();

}  // namespace webhookd
