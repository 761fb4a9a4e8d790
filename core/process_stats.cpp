#include "core/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace webhookd {

namespace {

// Seconds since the Unix epoch at which the machine booted (/proc/stat btime).
std::optional<double> boot_time() {
  std::ifstream in{"/proc/stat"};
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double value = 0;
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

std::int64_t count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  std::int64_t count = 0;
  while (auto* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

}  // namespace

std::optional<process_stats> read_process_stats() {
  std::ifstream in{"/proc/self/stat"};
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // Field 2 (comm) may contain spaces; everything after its ')' splits cleanly.
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest{line.substr(close + 2)};
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  std::string field;
  while (rest >> field) fields.push_back(field);
  if (fields.size() < 22) return std::nullopt;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  process_stats stats;
  stats.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;  // utime, stime
  stats.threads = std::stoll(fields[17]);
  stats.virtual_bytes = std::stoull(fields[20]);
  stats.resident_bytes = std::stoull(fields[21]) * page;
  if (auto boot = boot_time()) stats.start_time_seconds = *boot + std::stod(fields[19]) / ticks;
  stats.open_fds = count_open_fds();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) stats.max_fds = static_cast<std::int64_t>(limit.rlim_cur);
  return stats;
}

}  // namespace webhookd
