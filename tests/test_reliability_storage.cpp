// Storage faults against the webhookd binary: the database stops being
// writable while the service runs (file-size limit, a full filesystem, an
// immutable file) or is read-only from the start. In every case /webhook
// answers 503 {"detail":"storage unavailable"} and never 200 for a message
// that is not committed, /health/ready turns 503, and both recover by
// themselves, without a restart, once the fault is gone.
//
// Which faults can be made depends on the machine: RLIMIT_FSIZE and the
// read-only start always work; the tmpfs case needs mount(2) (root in a
// sandbox usually has it) and the immutable case needs FS_IOC_SETFLAGS on the
// temp filesystem. A case that cannot set up its fault says so and passes.
#define BOOST_TEST_MODULE reliability_storage
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <linux/fs.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/signature.hpp"
#include "support/child_service.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr const char* fault_secret = "fault-secret-c41d09";

std::map<std::string, std::string> child_env(const std::string& db, std::uint16_t port) {
  return {{"WEBHOOK_SECRET", fault_secret},
          {"DATABASE_URL", "sqlite:///" + db},
          {"HOST", "127.0.0.1"},
          {"PORT", std::to_string(port)},
          {"LOG_LEVEL", "INFO"}};
}

http_response post_message(std::uint16_t port, const std::string& id, std::size_t text_size = 16) {
  auto body = webhook_body(id, "+919876543210", "2025-01-15T10:00:00Z", std::string(text_size, 'x'));
  return post(port, "/webhook", body, {{"X-Signature", hmac_sha256_hex(fault_secret, body)}});
}

bool is_storage_unavailable(const http_response& r) {
  return r.status == 503 && json::parse(r.body, nullptr, false) == json({{"detail", "storage unavailable"}});
}

// What the clients saw while a fault was on.
struct fault_traffic {
  std::mutex mutex;
  std::set<std::string> acknowledged;
  std::map<std::string, int> outcomes;  // "200", "503 storage unavailable", anything else verbatim
};

// Four clients post unique messages for `duration`.
void post_during(std::uint16_t port, const std::string& prefix, std::chrono::milliseconds duration,
                 std::size_t text_size, fault_traffic& traffic) {
  auto until = clock_type::now() + duration;
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&, c] {
      for (int i = 0; clock_type::now() < until; ++i) {
        auto id = prefix + "-" + std::to_string(c) + "-" + std::to_string(i);
        http_response r;
        try {
          r = post_message(port, id, text_size);
        } catch (const std::runtime_error& e) {
          std::lock_guard<std::mutex> lock{traffic.mutex};
          ++traffic.outcomes[std::string{"error: "} + e.what()];
          continue;
        }
        std::lock_guard<std::mutex> lock{traffic.mutex};
        if (r.status == 200) {
          traffic.acknowledged.insert(id);
          ++traffic.outcomes["200"];
        } else if (is_storage_unavailable(r)) {
          ++traffic.outcomes["503 storage unavailable"];
        } else {
          ++traffic.outcomes[std::to_string(r.status) + " " + r.body];
        }
      }
    });
  for (auto& t : clients) t.join();
}

std::string describe(const std::map<std::string, int>& outcomes) {
  std::string out;
  for (const auto& [what, n] : outcomes) out += (out.empty() ? "" : ", ") + what + " x" + std::to_string(n);
  return out.empty() ? "nothing" : out;
}

// Polls until /health/ready is 200 and a new message is stored; returns the
// two delays from `since` (or nullopt when `limit` passes first).
struct recovery_times {
  std::optional<std::chrono::milliseconds> ready, stored;
};
recovery_times wait_recovery(std::uint16_t port, clock_type::time_point since, std::chrono::milliseconds limit,
                             std::set<std::string>& acknowledged) {
  recovery_times times;
  int probe = 0;
  while (clock_type::now() - since < limit && (!times.ready || !times.stored)) {
    if (!times.ready && ready_status(port) == 200)
      times.ready = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - since);
    if (!times.stored) {
      auto id = "recovery-probe-" + std::to_string(probe++);
      auto r = post_message(port, id);
      if (r.status == 200) {
        acknowledged.insert(id);
        times.stored = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - since);
      } else {
        BOOST_TEST(is_storage_unavailable(r), "while recovering: " << r.status << " " << r.body);
      }
    }
    std::this_thread::sleep_for(20ms);
  }
  return times;
}

// Every acknowledged message is in the file.
void expect_all_stored(const std::string& db, const std::set<std::string>& acknowledged) {
  auto stored = stored_message_ids(db);
  std::size_t lost = 0;
  for (const auto& id : acknowledged)
    if (!stored.count(id)) ++lost;
  BOOST_TEST(lost == 0u, lost << " of " << acknowledged.size() << " acknowledged messages are not stored");
}

// The common shape of a fault injected while the service runs.
struct running_fault {
  std::string name;
  std::function<bool(child_service&)> inject;  // false: the fault could not be made here
  std::function<void(child_service&)> lift;
  bool every_write_fails;        // false: a write that still fits may succeed (and then must be stored)
  std::size_t text_size = 16;
  std::function<void(child_options&)> adjust;
};

void run_fault(const running_fault& fault, const std::string& dir) {
  const auto db = dir + "/app.db";
  auto port = free_port();
  child_options options{WEBHOOKD_BINARY, child_env(db, port), std::nullopt, std::nullopt};
  if (fault.adjust) fault.adjust(options);
  child_service server{options};
  const auto slow = sanitizer_slowdown();
  BOOST_TEST_REQUIRE(wait_ready(port, std::chrono::milliseconds{3000 * slow}));

  std::set<std::string> acknowledged;
  for (int i = 0; i < 20; ++i) {
    auto id = "before-" + std::to_string(i);
    BOOST_TEST_REQUIRE(post_message(port, id).status == 200);
    acknowledged.insert(id);
  }

  if (!fault.inject(server)) {
    BOOST_TEST_MESSAGE(fault.name << ": cannot be simulated on this machine, skipped");
    return;
  }
  auto injected = clock_type::now();
  fault_traffic traffic;
  post_during(port, "during", std::chrono::milliseconds{600}, fault.text_size, traffic);
  BOOST_TEST_REQUIRE(server.running(), fault.name << ": the service died (exit " << server.wait_exit(0ms) << ")");
  BOOST_TEST_MESSAGE(fault.name << ": during the fault: " << describe(traffic.outcomes));
  BOOST_TEST(traffic.outcomes["503 storage unavailable"] > 0);
  for (const auto& [what, n] : traffic.outcomes)
    BOOST_TEST((what == "503 storage unavailable" || (what == "200" && !fault.every_write_fails)),
               fault.name << ": unexpected answer during the fault: " << what << " x" << n);
  acknowledged.insert(traffic.acknowledged.begin(), traffic.acknowledged.end());

  // Right after a failed write the service says why it is not ready.
  auto failed = post_message(port, "after-fault-check", fault.text_size);
  if (failed.status == 200) acknowledged.insert("after-fault-check");
  if (fault.every_write_fails) BOOST_TEST(is_storage_unavailable(failed));
  auto ready = get(port, "/health/ready");
  if (is_storage_unavailable(failed)) {
    BOOST_TEST(ready.status == 503, fault.name << ": ready " << ready.status << " " << ready.body);
    auto body = json::parse(ready.body, nullptr, false);
    BOOST_TEST(body["status"] == "not ready");
    BOOST_TEST_MESSAGE(fault.name << ": ready says " << ready.body);
  }
  BOOST_TEST(get(port, "/health/live").status == 200);
  // Reads do not depend on the writer.
  auto listing = get(port, "/messages?limit=1");
  BOOST_TEST_MESSAGE(fault.name << ": GET /messages during the fault -> " << listing.status);

  auto held = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - injected);
  fault.lift(server);
  auto lifted = clock_type::now();
  auto times = wait_recovery(port, lifted, std::chrono::milliseconds{5000 * slow}, acknowledged);
  BOOST_TEST_REQUIRE(times.ready.has_value(), fault.name << ": not ready again within 5 s");
  BOOST_TEST_REQUIRE(times.stored.has_value(), fault.name << ": no write succeeded within 5 s");
  BOOST_TEST_MESSAGE(fault.name << ": fault held " << held.count() << " ms; recovered without restart: ready after "
                     << times.ready->count() << " ms, first 200 after " << times.stored->count() << " ms");

  fault_traffic after;
  post_during(port, "after", std::chrono::milliseconds{200}, 16, after);
  BOOST_TEST(after.outcomes["200"] > 0);
  BOOST_TEST(after.outcomes.size() == 1u, fault.name << ": after recovery: " << describe(after.outcomes));
  acknowledged.insert(after.acknowledged.begin(), after.acknowledged.end());

  server.signal(SIGTERM);
  BOOST_TEST(server.wait_exit(std::chrono::milliseconds{5000 * slow}) == 0);
  expect_all_stored(db, acknowledged);
  BOOST_TEST(server.output().find(fault_secret) == std::string::npos);
}

// chattr +i / -i through the ioctl; false when the filesystem or our
// privileges do not allow it.
bool set_immutable(const std::string& path, bool on) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  int flags = 0;
  bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (ok) {
    flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    ok = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  }
  ::close(fd);
  return ok;
}

// A tmpfs of `bytes` mounted on `dir` for the test's lifetime, if mount(2) is allowed.
class tiny_tmpfs {
 public:
  tiny_tmpfs(const std::string& dir, std::size_t bytes) : dir_(dir) {
    std::filesystem::create_directories(dir);
    auto data = "size=" + std::to_string(bytes) + ",mode=0755";
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~tiny_tmpfs() {
    if (mounted_ && ::umount(dir_.c_str()) != 0) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

// Writes `path` until the filesystem is full; returns the bytes written.
std::size_t fill_up(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  std::vector<char> block(4096, 'f');
  std::size_t total = 0;
  for (;;) {
    auto n = ::write(fd, block.data(), block.size());
    if (n <= 0) break;
    total += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  return total;
}

}  // namespace

// Disk full as a file-size limit: prlimit(RLIMIT_FSIZE = 0) on the running
// service makes every write to a regular file fail (EFBIG, with SIGXFSZ
// ignored by the service). The log still flows: stdout is a pipe.
BOOST_AUTO_TEST_CASE(file_size_limit_gives_503_and_recovers_without_restart) {
  temp_dir dir;
  running_fault fault;
  fault.name = "disk full (RLIMIT_FSIZE=0)";
  fault.every_write_fails = true;
  fault.inject = [](child_service& server) { return server.set_file_size_limit(0); };
  fault.lift = [](child_service& server) { BOOST_TEST(server.set_file_size_limit(RLIM_INFINITY)); };
  run_fault(fault, dir.path());
}

// A real full filesystem: the database on an 8 MiB tmpfs, then a filler file
// takes every free block. Writes that still fit in blocks SQLite already owns
// may succeed (and must then be stored); the first that needs a new block
// fails with ENOSPC. Deleting the filler is the recovery.
BOOST_AUTO_TEST_CASE(full_filesystem_gives_503_and_recovers_without_restart) {
  temp_dir dir;
  // A private mount namespace when possible, so that the mount can never
  // outlive this process; the child inherits it.
  if (::unshare(CLONE_NEWNS) == 0) ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  auto mount_point = dir.path() + "/tiny";
  tiny_tmpfs tmpfs{mount_point, 8 * 1024 * 1024};
  if (!tmpfs.mounted()) {
    BOOST_TEST_MESSAGE("full filesystem: mount(tmpfs) refused (" << tmpfs.error() << "), skipped");
    return;
  }
  auto filler = mount_point + "/filler";
  running_fault fault;
  fault.name = "disk full (8 MiB tmpfs)";
  fault.every_write_fails = false;
  fault.text_size = 3000;  // each message grows the WAL by about a page
  fault.inject = [&](child_service&) {
    auto bytes = fill_up(filler);
    BOOST_TEST_MESSAGE("filler took " << bytes << " bytes");
    return true;
  };
  fault.lift = [&](child_service&) { std::filesystem::remove(filler); };
  {
    run_fault(fault, mount_point);
  }
}

// The database file and its WAL made immutable (chattr +i) while the service
// runs: writes fail with EPERM, reopening finds a read-only file.
BOOST_AUTO_TEST_CASE(immutable_database_gives_503_and_recovers_without_restart) {
  temp_dir dir;
  auto db = dir.path() + "/app.db";
  running_fault fault;
  fault.name = "read-only (chattr +i on the database and WAL)";
  fault.every_write_fails = true;
  fault.inject = [&](child_service&) {
    if (!set_immutable(db, true)) return false;
    if (!set_immutable(db + "-wal", true)) {
      set_immutable(db, false);
      return false;
    }
    return true;
  };
  fault.lift = [&](child_service&) {
    BOOST_TEST(set_immutable(db + "-wal", false));
    BOOST_TEST(set_immutable(db, false));
  };
  run_fault(fault, dir.path());
  // Never leave an immutable file behind (temp_dir could not remove it).
  set_immutable(db + "-wal", false);
  set_immutable(db, false);
}

// Read-only from the start: the database and its directory without write
// permission for the service's user (root ignores permissions, so as root the
// service runs as "nobody"). Not ready, 503, then chmod u+w: it recovers.
BOOST_AUTO_TEST_CASE(read_only_database_at_start_recovers_when_made_writable) {
  temp_dir dir;
  std::optional<std::pair<uid_t, gid_t>> run_as;
  if (::geteuid() == 0) {
    const passwd* nobody = ::getpwnam("nobody");
    BOOST_TEST_REQUIRE(nobody != nullptr);
    run_as = std::make_pair(nobody->pw_uid, nobody->pw_gid);
  }
  auto data = dir.path() + "/data";
  auto db = data + "/app.db";
  std::filesystem::create_directories(data);
  ::chmod(dir.path().c_str(), 0755);
  if (run_as) BOOST_TEST_REQUIRE(::chown(data.c_str(), run_as->first, run_as->second) == 0);
  const auto slow = sanitizer_slowdown();

  // A first run creates the database as that user, with one message.
  {
    auto port = free_port();
    child_service server{{WEBHOOKD_BINARY, child_env(db, port), std::nullopt, run_as}};
    BOOST_TEST_REQUIRE(wait_ready(port, std::chrono::milliseconds{3000 * slow}));
    BOOST_TEST_REQUIRE(post_message(port, "first-run").status == 200);
    server.signal(SIGTERM);
    BOOST_TEST_REQUIRE(server.wait_exit(std::chrono::milliseconds{5000 * slow}) == 0);
  }
  BOOST_TEST_REQUIRE(::chmod(db.c_str(), 0444) == 0);
  BOOST_TEST_REQUIRE(::chmod(data.c_str(), 0555) == 0);

  auto port = free_port();
  child_service server{{WEBHOOKD_BINARY, child_env(db, port), std::nullopt, run_as}};
  auto deadline = clock_type::now() + std::chrono::milliseconds{3000 * slow};
  while (ready_status(port) == 0 && clock_type::now() < deadline) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(200ms);  // the first open attempt has happened
  auto ready = get(port, "/health/ready");
  BOOST_TEST(ready.status == 503);
  BOOST_TEST_MESSAGE("read-only at start: ready says " << ready.body);
  auto reasons = json::parse(ready.body, nullptr, false).value("reasons", json::array());
  BOOST_TEST(reasons == json::array({"database cannot be opened or written"}));
  for (int i = 0; i < 5; ++i) BOOST_TEST(is_storage_unavailable(post_message(port, "ro-" + std::to_string(i))));
  BOOST_TEST(get(port, "/health/live").status == 200);

  BOOST_TEST_REQUIRE(::chmod(data.c_str(), 0755) == 0);
  BOOST_TEST_REQUIRE(::chmod(db.c_str(), 0644) == 0);
  auto lifted = clock_type::now();
  std::set<std::string> acknowledged{"first-run"};
  auto times = wait_recovery(port, lifted, std::chrono::milliseconds{5000 * slow}, acknowledged);
  BOOST_TEST_REQUIRE(times.ready.has_value());
  BOOST_TEST_REQUIRE(times.stored.has_value());
  BOOST_TEST_MESSAGE("read-only at start: writable again; ready after " << times.ready->count()
                     << " ms, first 200 after " << times.stored->count() << " ms");
  server.signal(SIGTERM);
  BOOST_TEST(server.wait_exit(std::chrono::milliseconds{5000 * slow}) == 0);
  auto stored = stored_message_ids(db);
  for (const auto& id : acknowledged) BOOST_TEST(stored.count(id) == 1u, id);
  for (int i = 0; i < 5; ++i) BOOST_TEST(stored.count("ro-" + std::to_string(i)) == 0u);
}
