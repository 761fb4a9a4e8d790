#include "support/child_service.hpp"

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "support/http_client.hpp"
#include "support/sqlite_file.hpp"

namespace webhookd::test {

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

child_service::child_service(child_options options) : keep_output_(options.keep_output) {
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* value = std::getenv(name); value != nullptr && !options.env.count(name))
      options.env[name] = value;
  // Everything the child needs is prepared before fork: between fork and
  // exec only async-signal-safe calls are allowed (this process has threads).
  std::vector<std::string> storage;
  for (const auto& [k, v] : options.env) storage.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : storage) envp.push_back(s.data());
  envp.push_back(nullptr);
  if (options.binary.empty()) throw std::runtime_error("child_options.binary is empty");
  std::vector<char*> argv{options.binary.data()};
  for (auto& arg : options.args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // If the test dies without cleaning up (a sanitizer halting it, a crash),
    // the service must not outlive it: it holds the test's stderr open, and a
    // test runner waiting for that would hang until its timeout.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    // Sockets and pipes of the test (and of earlier children) stay out.
    ::syscall(SYS_close_range, 3u, ~0u, 0u);
    if (options.file_size_limit) {
      rlimit limit{*options.file_size_limit, *options.file_size_limit};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    if (options.run_as) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(options.run_as->second) != 0 ||
          ::setuid(options.run_as->first) != 0)
        ::_exit(126);
    }
    ::execve(options.binary.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  stdout_fd_ = pipe_fds[0];
  reader_ = std::thread{[this] { drain(); }};
}

child_service::~child_service() {
  if (pid_ > 0 && !exited_) kill_hard();
  if (reader_.joinable()) reader_.join();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

void child_service::drain() {
  char buffer[65536];
  for (;;) {
    auto n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n > 0) {
      if (!keep_output_) continue;
      std::lock_guard<std::mutex> lock{mutex_};
      output_.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return;
    }
  }
}

void child_service::signal(int sig) {
  if (!exited_) ::kill(pid_, sig);
}

void child_service::kill_hard() {
  if (exited_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exited_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int child_service::wait_exit(std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!exited_) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return exit_code_;
}

bool child_service::running() { return wait_exit(std::chrono::milliseconds{0}) == -1; }

bool child_service::set_file_size_limit(rlim_t limit) {
  // Only the soft limit: lowering the hard one could not be undone without
  // CAP_SYS_RESOURCE.
  rlimit value{};
  if (::prlimit(pid_, RLIMIT_FSIZE, nullptr, &value) != 0) return false;
  value.rlim_cur = limit;
  return ::prlimit(pid_, RLIMIT_FSIZE, &value, nullptr) == 0;
}

namespace {

long status_field_kib(pid_t pid, const std::string& field) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
  return 0;
}

}  // namespace

long child_service::rss_kib() const { return status_field_kib(pid_, "VmRSS"); }
long child_service::peak_rss_kib() const { return status_field_kib(pid_, "VmHWM"); }

std::string child_service::output() {
  std::lock_guard<std::mutex> lock{mutex_};
  return output_;
}

int ready_status(std::uint16_t port) {
  try {
    return get(port, "/health/ready").status;
  } catch (const std::runtime_error&) {
    return 0;
  }
}

bool wait_ready(std::uint16_t port, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready_status(port) == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return false;
}

std::set<std::string> stored_message_ids(const std::string& db_path) {
  // Read-write without create: a WAL reader may need to write the -shm file.
  sqlite_file db{db_path, sqlite::connection::mode::read_write};
  std::set<std::string> ids;
  for (const auto& row : db.rows("SELECT message_id FROM messages")) ids.insert(row.at(0).value_or(""));
  return ids;
}

int sanitizer_slowdown() {
#if defined(__SANITIZE_THREAD__)
  return 10;
#elif defined(__SANITIZE_ADDRESS__)
  return 3;
#else
  return 1;
#endif
}

}  // namespace webhookd::test
