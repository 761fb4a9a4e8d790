// The real webhookd binary as a child process, for the reliability tests:
// kill -9 and restart, resource limits (RLIMIT_FSIZE) changed while it runs,
// another user id, memory figures from /proc, and its stdout (the JSON log)
// drained through a pipe so that a full disk or a file-size limit never
// touches the log.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace webhookd::test {

// A free loopback port (bound, read, released: the child binds it next).
std::uint16_t free_port();

struct child_options {
  // The webhookd executable (tests pass WEBHOOKD_BINARY, which CMake defines).
  std::string binary;
  // The child's whole environment. ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS and
  // LSAN_OPTIONS of this process are passed through when not given here.
  std::map<std::string, std::string> env;
  // RLIMIT_FSIZE (soft and hard) set before exec; nullopt keeps ours.
  std::optional<rlim_t> file_size_limit;
  // setgid/setuid before exec (only possible when we are root).
  std::optional<std::pair<uid_t, gid_t>> run_as;
  // false: stdout is still drained (the child never blocks on it) but dropped.
  bool keep_output = true;
  // Arguments after argv[0] (the binary).
  std::vector<std::string> args = {};
};

class child_service {
 public:
  explicit child_service(child_options options);
  child_service(const child_service&) = delete;
  child_service& operator=(const child_service&) = delete;
  ~child_service();  // SIGKILL and reap if still running

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // SIGKILL, then reap.
  void kill_hard();
  // Exit code (128 + signal when killed), or -1 if still running after `limit`.
  int wait_exit(std::chrono::milliseconds limit);
  bool running();

  // Changes the soft RLIMIT_FSIZE of the running child (prlimit); false on failure.
  bool set_file_size_limit(rlim_t limit);

  // VmRSS / VmHWM of the running child in KiB (0 if unavailable).
  long rss_kib() const;
  long peak_rss_kib() const;

  // Everything the child wrote to stdout so far.
  std::string output();

 private:
  void drain();

  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  int stdout_fd_ = -1;
  bool keep_output_ = true;
  std::mutex mutex_;
  std::string output_;
  std::thread reader_;
};

// Polls GET /health/ready until 200 (true) or `limit` passes (false).
bool wait_ready(std::uint16_t port, std::chrono::milliseconds limit);
// The status of GET /health/ready, 0 when no answer came.
int ready_status(std::uint16_t port);

// The message_ids stored in the file (opened read-only, WAL allowed).
std::set<std::string> stored_message_ids(const std::string& db_path);

// Sanitizer builds run everything several times slower: time limits that
// measure the service (not correctness) are scaled by this factor.
int sanitizer_slowdown();

}  // namespace webhookd::test
