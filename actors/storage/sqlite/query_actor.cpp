#include "actors/storage/sqlite/query_actor.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/storage/sqlite/connection.hpp"
#include "actors/storage/sqlite/count_cache.hpp"
#include "actors/storage/sqlite/list_planner.hpp"
#include "actors/storage/sqlite/read_statements.hpp"
#include "actors/storage/sqlite/text_index.hpp"
#include "core/instrumented.hpp"
#include "messages/errors.hpp"

namespace webhookd {

namespace {

using clock_type = std::chrono::steady_clock;

// SQLite's page cache per query connection (the default 2 MB is smaller than
// the pages a busy minute of reads touches again). A search actor's reads
// touch the text index (its own cache, below) and then rows scattered over
// the table, which a cache of any size this side of the table's own misses
// anyway: half as much, and the four actors' caches stay within 32 MiB.
constexpr int plain_page_cache_kib = 8 * 1024;
constexpr int search_page_cache_kib = 4 * 1024;
// The same for the attached text index: its searches read a few pages of a
// few doclists each.
constexpr int text_cache_kib = 2 * 1024;
// Read connections map the database and the text index file instead of
// copying each page out of the kernel's cache (pread) into their own: rows a
// sender's page or a search picks are scattered over the file, and at 1M rows
// the copies and page-cache bookkeeping were a quarter of a `from` read
// (measured: `from` +58 %, `q`+`from` +36 %, absent words +26 %). The mapped
// pages are the kernel's page cache, clean and reclaimable, but they count in
// VmRSS/VmHWM (as RssFile); private memory goes down (22 -> 6 MiB RssAnon).
// SQLite caps the size at its build's SQLITE_MAX_MMAP_SIZE (2 GiB on Debian);
// a bigger file is mapped that far and read beyond it as before.
constexpr std::int64_t read_mmap_bytes = std::int64_t{2} << 30;
// No read runs longer than this, whatever its own deadline: a query that
// needs more is stopped and answered 503, and the actor goes on with the next.
constexpr auto longest_read = std::chrono::seconds(1);
constexpr auto attach_retry = std::chrono::seconds(1);
// The search actors' threads run this many nice levels below the rest of the
// process: a flood of costly searches then takes the CPU that plain reads,
// webhooks and the HTTP threads leave, instead of an equal share beside them.
constexpr int search_nice_steps = 5;

// Lowers the calling thread's scheduling priority (Linux keeps a nice value
// per thread; raising it needs no privilege). A failure leaves it as it was.
void lower_thread_priority(int steps) {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, tid);
  if (errno != 0) return;
  ::setpriority(PRIO_PROCESS, tid, std::min(19, current + steps));
}

struct query_state {
  static inline const char* name = "query";

  std::string path;
  json_logger* log = nullptr;
  service_metrics* metrics = nullptr;
  std::shared_ptr<const std::atomic<bool>> stopping;
  sqlite::connection db;
  std::optional<sqlite::read_statements> sql;
  std::optional<sqlite::text_statements> text;  // once the text index file is attached
  clock_type::time_point next_attach_attempt{};
  std::shared_ptr<count_cache> counts;  // shared with the other query actors
  sqlite::day_index days;
  sqlite::arrival_cache arrivals;  // filled by reads with q only
  clock_type::time_point deadline = clock_type::time_point::max();  // of the read under way
  int page_cache_kib = plain_page_cache_kib;
};

// Opens the read connection on first use (the storage actor creates the file
// and schema; until it has, reads fail cleanly and are retried next time).
sqlite::read_statements& statements_for(query_state& st) {
  if (!st.db) {
    sqlite::connection db{st.path, sqlite::connection::mode::read_only};
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA cache_size = -" + std::to_string(st.page_cache_kib));
    // Unqualified, it applies to the text index attached later too.
    db.exec("PRAGMA mmap_size = " + std::to_string(read_mmap_bytes));
    sqlite::register_text_tokenizer(db.handle());
    db.interrupt_when([&st] { return st.stopping->load(std::memory_order_relaxed) || clock_type::now() > st.deadline; });
    st.sql.emplace(db);
    st.db = std::move(db);
  }
  return *st.sql;
}

// The text index's statements, attaching its file first if it has appeared
// since the last try (at most once a second; until then q searches rows).
sqlite::text_statements* text_statements_for(query_state& st) {
  if (!st.text && clock_type::now() >= st.next_attach_attempt) {
    st.next_attach_attempt = clock_type::now() + attach_retry;
    if (sqlite::attach_text_index(st.db, st.path)) {
      st.db.exec("PRAGMA text_index.cache_size = -" + std::to_string(text_cache_kib));
      st.text.emplace(st.db);
    }
  }
  return st.text ? &*st.text : nullptr;
}

void drop_connection(query_state& st) {
  st.days = {};
  st.arrivals.clear();
  st.text.reset();
  st.next_attach_attempt = {};
  st.sql.reset();
  st.db = {};
}

// Runs `body` inside one read transaction, so every figure of an answer comes
// from the same snapshot, and stops it at `deadline` (or after longest_read).
// A stopped read is query_interrupted; any other SQLite failure drops the
// connection and is storage_unavailable.
// `with_text`: the answer may use the text index (attached before BEGIN:
// SQLite attaches no file inside a transaction).
template <class T, class F>
caf::result<T> read_snapshot(query_state& st, clock_type::time_point deadline, bool with_text, F body) {
  const auto now = clock_type::now();
  // A read whose deadline passed while it queued gets the same answer (and
  // counts the same) as one stopped while it ran: the client gave up on both.
  if (now >= deadline || st.stopping->load(std::memory_order_relaxed)) {
    st.metrics->queries_interrupted().Increment();
    return make_error(webhookd_errc::query_interrupted);
  }
  st.deadline = std::min(deadline, now + longest_read);
  try {
    auto& sql = statements_for(st);
    sqlite::text_statements* text = with_text ? text_statements_for(st) : nullptr;
    sql.begin.step();
    sql.begin.reset();
    try {
      T value = body(sql, text);
      st.db.reset_active_statements();
      sql.commit.step();
      sql.commit.reset();
      return value;
    } catch (...) {
      st.db.reset_active_statements();
      st.db.rollback_if_active();
      throw;
    }
  } catch (const sqlite::error& e) {
    if ((e.code() & 0xff) == sqlite::connection::interrupted_code) {
      st.metrics->queries_interrupted().Increment();
      return make_error(webhookd_errc::query_interrupted);
    }
    st.log->log(log_level::error, "query failed", {{"error", e.what()}});
    drop_connection(st);
    return make_error(webhookd_errc::storage_unavailable);
  }
}

query_actor::behavior_type query(query_actor::stateful_pointer<query_state> self, std::string path,
                                 probe_ptr probe, service_metrics* metrics, json_logger* log,
                                 std::shared_ptr<const std::atomic<bool>> stopping,
                                 std::shared_ptr<count_cache> counts, int page_cache_kib, int nice_steps) {
  watch_actor(self, probe, "detached");
  // A detached actor's behaviour is made on its own thread.
  if (nice_steps > 0) lower_thread_priority(nice_steps);
  auto& st = self->state;
  st.path = std::move(path);
  st.page_cache_kib = page_cache_kib;
  st.log = log;
  st.metrics = metrics;
  st.stopping = std::move(stopping);
  st.counts = std::move(counts);
  return {
    instrumented(self, probe,
                 [self](list_atom, const message_query& q) -> caf::result<rendered_page> {
                   auto& st = self->state;
                   return read_snapshot<rendered_page>(
                     st, q.deadline, q.q.has_value(),
                     [&](sqlite::read_statements& sql, sqlite::text_statements* text) {
                       return sqlite::list_messages(sql, text, *st.counts, st.days, st.arrivals, q);
                     });
                 }),
    instrumented(self, probe, [self](stats_atom) -> caf::result<stats_snapshot> {
      return read_snapshot<stats_snapshot>(
        self->state, clock_type::time_point::max(), false,
        [](sqlite::read_statements& sql, sqlite::text_statements*) { return sqlite::read_stats(sql); });
    }),
  };
}

}  // namespace

query_actor spawn_query(caf::actor_system& sys, std::string database_path, query_lane lane, int instance,
                        service_metrics& metrics, json_logger& log,
                        std::shared_ptr<const std::atomic<bool>> stopping, std::shared_ptr<count_cache> counts) {
  const bool search = lane == query_lane::search;
  return sys.spawn<caf::detached>(query, std::move(database_path),
                                  metrics.actor(search ? "search" : "query", std::to_string(instance)), &metrics, &log,
                                  std::move(stopping), std::move(counts),
                                  search ? search_page_cache_kib : plain_page_cache_kib, search ? search_nice_steps : 0);
}

}  // namespace webhookd
