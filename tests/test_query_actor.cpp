// The query actor through its typed interface: the storage actor writes a real
// SQLite file in a fresh temporary directory and the query actor reads it.
#define BOOST_TEST_MODULE test_query_actor
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "support/actor_testing.hpp"
#include "actors/storage/sqlite/count_cache.hpp"
#include "actors/storage/sqlite/day_anchors.hpp"
#include "actors/storage/sqlite/match_list.hpp"
#include "actors/storage/sqlite/query_actor.hpp"
#include "actors/storage/sqlite/row_cache.hpp"
#include "actors/storage/sqlite/connection.hpp"
#include "actors/storage/sqlite/storage_actor.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/errors.hpp"
#include "messages/interfaces.hpp"


using namespace webhookd;
using namespace webhookd::test;
namespace fs = std::filesystem;

namespace {

constexpr auto reply_timeout = std::chrono::seconds(15);

struct temp_dir {
  std::string path;
  temp_dir() {
    char pattern[] = "/tmp/webhookd-query-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path = made;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
};



message_record rec(std::string id, std::string from, std::string ts,
                   std::optional<std::string> text, std::string to = "+14155550100") {
  return message_record{std::move(id), std::move(from), std::move(to), std::move(ts), std::move(text)};
}

message_query make_query(int limit = 100, std::int64_t offset = 0,
                         std::optional<std::string> from = std::nullopt,
                         std::optional<std::string> since = std::nullopt,
                         std::optional<std::string> q = std::nullopt) {
  message_query mq;
  mq.limit = limit;
  mq.offset = offset;
  mq.from = std::move(from);
  mq.since = std::move(since);
  mq.q = std::move(q);
  return mq;
}

// A GET /messages body, as the query actor rendered it, read back into
// records: the tests compare what a client would receive.
struct message_page {
  std::vector<message_record> data;
  std::int64_t total = 0;
};

message_page parse_page(const rendered_page& rendered, const message_query& mq) {
  const auto body = nlohmann::json::parse(rendered.json.str());
  BOOST_REQUIRE(body.is_object());
  BOOST_TEST(body.size() == 4u);
  BOOST_TEST(body.at("limit").get<int>() == mq.limit);
  BOOST_TEST(body.at("offset").get<std::int64_t>() == mq.offset);
  message_page page;
  page.total = body.at("total").get<std::int64_t>();
  BOOST_TEST(page.total == rendered.total);
  for (const auto& row : body.at("data")) {
    BOOST_REQUIRE(row.size() == 5u);
    std::optional<std::string> text;
    if (!row.at("text").is_null()) text = row.at("text").get<std::string>();
    page.data.push_back(message_record{row.at("message_id").get<std::string>(), row.at("from").get<std::string>(),
                                       row.at("to").get<std::string>(), row.at("ts").get<std::string>(),
                                       std::move(text)});
  }
  return page;
}

std::vector<std::string> ids_of(const message_page& page) {
  std::vector<std::string> ids;
  for (const auto& r : page.data) ids.push_back(r.message_id);
  return ids;
}

std::string ascii_lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// The contract of GET /messages, computed in plain C++ over the stored records.
std::pair<std::vector<std::string>, std::int64_t> reference_answer(
    const std::vector<message_record>& all, const message_query& q) {
  std::vector<const message_record*> hits;
  for (const auto& r : all) {
    if (q.from && r.from != *q.from) continue;
    if (q.since && r.ts < *q.since) continue;
    if (q.q && (!r.text || ascii_lower(*r.text).find(ascii_lower(*q.q)) == std::string::npos)) continue;
    hits.push_back(&r);
  }
  std::sort(hits.begin(), hits.end(), [](const message_record* a, const message_record* b) {
    return std::tie(a->ts, a->message_id) < std::tie(b->ts, b->message_id);
  });
  std::vector<std::string> ids;
  for (std::int64_t i = q.offset; i < static_cast<std::int64_t>(hits.size()) && i < q.offset + q.limit; ++i)
    ids.push_back(hits[static_cast<std::size_t>(i)]->message_id);
  return {ids, static_cast<std::int64_t>(hits.size())};
}

const std::string A = "+919876543210";
const std::string B = "+447700900123";
const std::string C = "+14155550100";

// Crafted for ordering ties, LIKE metacharacters, case and Unicode; stored in
// this (deliberately unsorted) order.
std::vector<message_record> sample_messages() {
  return {
    rec("m11", A, "2025-01-16T00:00:00Z", "emoji \xF0\x9F\x98\x80 and CJK \xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8\x96\xE7\x95\x8C"),
    rec("m09", A, "2025-01-15T12:00:00Z", "backXslash"),
    rec("m08", C, "2025-01-15T12:00:00Z", "back\\slash"),
    rec("m03", A, "2025-01-15T09:30:00Z", "HELLO caps", B),
    rec("m02", B, "2025-01-15T09:30:00Z", "hello again"),
    rec("m07", A, "2025-01-15T11:00:00Z", "axb"),
    rec("m06", B, "2025-01-15T11:00:00Z", "a_b"),
    rec("m05", A, "2025-01-15T10:00:00Z", "1000 sure"),
    rec("m04", C, "2025-01-15T10:00:00Z", "100% sure"),
    rec("m10", B, "2025-01-14T23:59:59Z", std::nullopt),
    rec("m01", A, "2025-01-15T09:00:00Z", "Hello world", C),
    rec("m12", B, "2025-01-15T09:29:59Z", "cafe\xCC\x81 combining"),
  };
}

struct query_fixture {
  temp_dir dir;
  log_sink sink;
  json_logger log{sink.file, log_level::debug};
  service_metrics metrics;
  quiet_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::vector<caf::actor> started;
  std::string path = dir.file("app.db");

  ~query_fixture() {
    // Readers first, so the storage actor's connection is the last one closed.
    for (auto it = started.rbegin(); it != started.rend(); ++it) {
      caf::anon_send_exit(*it, caf::exit_reason::user_shutdown);
      self->wait_for(*it);
    }
  }

  storage_actor start_storage(const std::string& db) {
    auto handle = spawn_storage(sys, storage_settings{db, std::chrono::milliseconds(100)}, metrics, log);
    started.insert(started.begin(), caf::actor_cast<caf::actor>(handle));
    return handle;
  }

  query_actor start_query(const std::string& db) {
    auto handle = spawn_query(sys, db, static_cast<int>(started.size()), metrics, log);
    started.push_back(caf::actor_cast<caf::actor>(handle));
    return handle;
  }

  bool wait_ready(const storage_actor& storage) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      bool ready = false;
      self->request(storage, reply_timeout, health_atom::value)
        .receive([&](storage_health h) { ready = h.ready; }, [&](caf::error&) {});
      if (ready) return true;
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }

  store_outcome store(const storage_actor& storage, message_record record) {
    std::optional<store_outcome> answer;
    self->request(storage, reply_timeout, store_atom::value, std::move(record))
      .receive([&](store_outcome o) { answer = o; }, [&](caf::error&) {});
    BOOST_REQUIRE_MESSAGE(answer.has_value(), "store answered an error");
    return *answer;
  }

  void store_all(const storage_actor& storage, const std::vector<message_record>& records) {
    for (const auto& r : records)
      BOOST_REQUIRE_EQUAL(store(storage, r), store_outcome::created);
  }

  // Either a page or the error the query actor answered with.
  std::pair<std::optional<message_page>, caf::error> try_list(const query_actor& query,
                                                              const message_query& mq) {
    std::optional<message_page> page;
    caf::error err;
    self->request(query, reply_timeout, list_atom::value, mq)
      .receive([&](rendered_page p) { page = parse_page(p, mq); }, [&](caf::error& e) { err = std::move(e); });
    return {std::move(page), std::move(err)};
  }

  // The body exactly as the query actor rendered it.
  std::string list_body(const query_actor& query, const message_query& mq) {
    std::optional<std::string> body;
    self->request(query, reply_timeout, list_atom::value, mq)
      .receive([&](rendered_page p) { body = p.json.str(); }, [&](caf::error&) {});
    BOOST_REQUIRE_MESSAGE(body.has_value(), "list answered an error");
    return std::move(*body);
  }

  message_page list(const query_actor& query, const message_query& mq) {
    auto [page, err] = try_list(query, mq);
    BOOST_REQUIRE_MESSAGE(page.has_value(), "list answered an error: " << sys.render(err));
    return std::move(*page);
  }

  std::pair<std::optional<stats_snapshot>, caf::error> try_stats(const query_actor& query) {
    std::optional<stats_snapshot> snapshot;
    caf::error err;
    self->request(query, reply_timeout, stats_atom::value)
      .receive([&](stats_snapshot s) { snapshot = std::move(s); }, [&](caf::error& e) { err = std::move(e); });
    return {std::move(snapshot), std::move(err)};
  }

  stats_snapshot stats(const query_actor& query) {
    auto [snapshot, err] = try_stats(query);
    BOOST_REQUIRE_MESSAGE(snapshot.has_value(), "stats answered an error: " << sys.render(err));
    return std::move(*snapshot);
  }
};

// Storage and query actors over the sample messages.
struct sample_fixture : query_fixture {
  std::vector<message_record> samples = sample_messages();
  storage_actor storage;
  query_actor query;

  sample_fixture() {
    storage = start_storage(path);
    query = start_query(path);
    store_all(storage, samples);
  }

  // Asks the actor and checks ids, order, total and every field against the reference.
  void check(const message_query& mq, const std::vector<std::string>& expected_ids,
             std::int64_t expected_total) {
    auto page = list(query, mq);
    BOOST_TEST(ids_of(page) == expected_ids, boost::test_tools::per_element());
    BOOST_TEST(page.total == expected_total);
    auto [ref_ids, ref_total] = reference_answer(samples, mq);
    BOOST_TEST(ref_ids == expected_ids, boost::test_tools::per_element());
    BOOST_TEST(ref_total == expected_total);
    for (const auto& r : page.data) {
      auto it = std::find_if(samples.begin(), samples.end(),
                             [&](const message_record& s) { return s.message_id == r.message_id; });
      BOOST_REQUIRE(it != samples.end());
      BOOST_TEST(r.from == it->from);
      BOOST_TEST(r.to == it->to);
      BOOST_TEST(r.ts == it->ts);
      BOOST_TEST(r.text.has_value() == it->text.has_value());
      BOOST_TEST(r.text.value_or("<null>") == it->text.value_or("<null>"));
    }
  }
};

const std::vector<std::string> all_in_order = {"m10", "m01", "m12", "m02", "m03", "m04",
                                               "m05", "m06", "m07", "m08", "m09", "m11"};

}  // namespace

BOOST_AUTO_TEST_SUITE(listing)

BOOST_FIXTURE_TEST_CASE(unfiltered_order_is_ts_then_message_id, sample_fixture) {
  check(make_query(), all_in_order, 12);
}

BOOST_FIXTURE_TEST_CASE(limit_and_offset_page_through_in_order, sample_fixture) {
  check(make_query(2, 0), {"m10", "m01"}, 12);
  check(make_query(2, 2), {"m12", "m02"}, 12);
  check(make_query(5, 10), {"m09", "m11"}, 12);
  check(make_query(1, 11), {"m11"}, 12);
  // Pages of 5 concatenate to the full order.
  std::vector<std::string> joined;
  for (std::int64_t offset = 0; offset < 12; offset += 5) {
    auto page = list(query, make_query(5, offset));
    BOOST_TEST(page.total == 12);
    for (auto& id : ids_of(page)) joined.push_back(id);
  }
  BOOST_TEST(joined == all_in_order, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(offset_past_the_end_is_empty_with_the_right_total, sample_fixture) {
  check(make_query(50, 12), {}, 12);
  check(make_query(50, 1000), {}, 12);
  check(make_query(10, 6, A), {}, 6);
  check(make_query(10, 100, std::nullopt, std::nullopt, "hello"), {}, 3);
}

BOOST_FIXTURE_TEST_CASE(from_filter_alone, sample_fixture) {
  check(make_query(100, 0, A), {"m01", "m03", "m05", "m07", "m09", "m11"}, 6);
  check(make_query(100, 0, B), {"m10", "m12", "m02", "m06"}, 4);
  check(make_query(100, 0, C), {"m04", "m08"}, 2);
  // Exact match only: a recipient, a prefix and an unknown number find nothing.
  check(make_query(100, 0, "+9198765432"), {}, 0);
  check(make_query(100, 0, "+10000000000"), {}, 0);
  check(make_query(100, 0, " 919876543210"), {}, 0);
}

BOOST_FIXTURE_TEST_CASE(since_filter_is_inclusive, sample_fixture) {
  check(make_query(100, 0, std::nullopt, "2025-01-15T10:00:00Z"),
        {"m04", "m05", "m06", "m07", "m08", "m09", "m11"}, 7);
  check(make_query(100, 0, std::nullopt, "2025-01-15T10:00:01Z"), {"m06", "m07", "m08", "m09", "m11"}, 5);
  check(make_query(100, 0, std::nullopt, "2025-01-15T09:59:59Z"),
        {"m04", "m05", "m06", "m07", "m08", "m09", "m11"}, 7);
  check(make_query(100, 0, std::nullopt, "2025-01-16T00:00:00Z"), {"m11"}, 1);
  check(make_query(100, 0, std::nullopt, "2025-01-16T00:00:01Z"), {}, 0);
  check(make_query(100, 0, std::nullopt, "2025-01-14T23:59:59Z"), all_in_order, 12);
  check(make_query(100, 0, std::nullopt, "2000-01-01T00:00:00Z"), all_in_order, 12);
}

BOOST_FIXTURE_TEST_CASE(q_is_a_case_insensitive_substring, sample_fixture) {
  check(make_query(100, 0, std::nullopt, std::nullopt, "hello"), {"m01", "m02", "m03"}, 3);
  check(make_query(100, 0, std::nullopt, std::nullopt, "HELLO"), {"m01", "m02", "m03"}, 3);
  check(make_query(100, 0, std::nullopt, std::nullopt, "HeLLo"), {"m01", "m02", "m03"}, 3);
  check(make_query(100, 0, std::nullopt, std::nullopt, "llo wor"), {"m01"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "SURE"), {"m04", "m05"}, 2);
  check(make_query(100, 0, std::nullopt, std::nullopt, "nothing like this"), {}, 0);
}

BOOST_FIXTURE_TEST_CASE(q_percent_matches_only_itself, sample_fixture) {
  check(make_query(100, 0, std::nullopt, std::nullopt, "100% sure"), {"m04"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "100%"), {"m04"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "%"), {"m04"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "1000"), {"m05"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "100"), {"m04", "m05"}, 2);
}

BOOST_FIXTURE_TEST_CASE(q_underscore_matches_only_itself, sample_fixture) {
  check(make_query(100, 0, std::nullopt, std::nullopt, "a_b"), {"m06"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "_"), {"m06"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "axb"), {"m07"}, 1);
}

BOOST_FIXTURE_TEST_CASE(q_backslash_matches_only_itself, sample_fixture) {
  check(make_query(100, 0, std::nullopt, std::nullopt, "\\"), {"m08"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "k\\s"), {"m08"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "back\\slash"), {"m08"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "\\%"), {}, 0);
  check(make_query(100, 0, std::nullopt, std::nullopt, "kXs"), {"m09"}, 1);
}

BOOST_FIXTURE_TEST_CASE(q_never_matches_null_text, sample_fixture) {
  // m10 has no text: no q finds it, however broad.
  for (const char* needle : {"a", " ", "e", "null"}) {
    auto page = list(query, make_query(100, 0, std::nullopt, std::nullopt, std::string(needle)));
    auto ids = ids_of(page);
    BOOST_TEST(std::count(ids.begin(), ids.end(), "m10") == 0, "q=" << needle);
    auto [ref_ids, ref_total] = reference_answer(samples, make_query(100, 0, std::nullopt, std::nullopt, std::string(needle)));
    BOOST_TEST(ids == ref_ids, boost::test_tools::per_element());
    BOOST_TEST(page.total == ref_total);
  }
  auto page = list(query, make_query(100, 0, B));
  auto it = std::find_if(page.data.begin(), page.data.end(), [](auto& r) { return r.message_id == "m10"; });
  BOOST_REQUIRE(it != page.data.end());
  BOOST_TEST(!it->text.has_value());
}

BOOST_FIXTURE_TEST_CASE(filters_combine_with_and, sample_fixture) {
  check(make_query(100, 0, A, "2025-01-15T10:00:00Z"), {"m05", "m07", "m09", "m11"}, 4);
  check(make_query(100, 0, A, std::nullopt, "hello"), {"m01", "m03"}, 2);
  check(make_query(100, 0, B, std::nullopt, "hello"), {"m02"}, 1);
  check(make_query(100, 0, std::nullopt, "2025-01-15T09:30:00Z", "hello"), {"m02", "m03"}, 2);
  check(make_query(100, 0, A, "2025-01-15T10:00:00Z", "sure"), {"m05"}, 1);
  check(make_query(100, 0, C, "2025-01-15T10:00:00Z", "%"), {"m04"}, 1);
  check(make_query(100, 0, A, "2025-01-15T10:00:00Z", "%"), {}, 0);
  check(make_query(1, 1, A, "2025-01-15T10:00:00Z"), {"m07"}, 4);
  check(make_query(2, 3, A, "2025-01-15T10:00:00Z"), {"m11"}, 4);
  check(make_query(1, 0, std::nullopt, "2025-01-15T09:30:00Z", "hello"), {"m02"}, 2);
}

BOOST_FIXTURE_TEST_CASE(every_filter_combination_matches_the_reference, sample_fixture) {
  const std::vector<std::optional<std::string>> froms = {std::nullopt, A, B, C, std::string("+1")};
  const std::vector<std::optional<std::string>> sinces = {
    std::nullopt, std::string("2025-01-15T09:30:00Z"), std::string("2025-01-15T11:00:00Z"),
    std::string("2030-01-01T00:00:00Z")};
  const std::vector<std::optional<std::string>> needles = {
    std::nullopt, std::string("hello"), std::string("%"), std::string("_"), std::string("\\"),
    std::string("s"), std::string("\xE4\xBD\xA0")};
  const std::vector<std::pair<int, std::int64_t>> windows = {{100, 0}, {1, 0}, {2, 1}, {3, 5}};
  int asked = 0;
  for (const auto& from : froms)
    for (const auto& since : sinces)
      for (const auto& needle : needles)
        for (const auto& [limit, offset] : windows) {
          auto mq = make_query(limit, offset, from, since, needle);
          auto page = list(query, mq);
          auto [ref_ids, ref_total] = reference_answer(samples, mq);
          BOOST_TEST_CONTEXT("from=" << from.value_or("-") << " since=" << since.value_or("-")
                                     << " q=" << needle.value_or("-") << " limit=" << limit
                                     << " offset=" << offset) {
            BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
            BOOST_TEST(page.total == ref_total);
          }
          ++asked;
        }
  BOOST_TEST(asked == 5 * 4 * 7 * 4);
}

// Deep offsets and `since` counts are answered from per-day counts (whole
// days skipped, one day walked). Many days, uneven and empty ones, several
// rows at one instant, and every offset from the first row to past the last:
// each page and total must equal the plain computation.
BOOST_FIXTURE_TEST_CASE(day_counts_give_the_same_pages_and_totals_as_a_scan, query_fixture) {
  auto storage = start_storage(path);
  auto query = start_query(path);
  std::mt19937 random{20261129};
  std::vector<message_record> all;
  const std::vector<std::string> senders = {A, B, C};
  for (int i = 0; i < 240; ++i) {
    // Days 01..28 of two months, skewed towards the first days; hours and
    // minutes from a small set so that equal ts values occur.
    const int month = 1 + static_cast<int>(random() % 2);
    const int day = 1 + static_cast<int>(std::min<unsigned>(random() % 28, random() % 28));
    char ts[32];
    std::snprintf(ts, sizeof ts, "2025-%02d-%02dT%02d:%02d:00Z", month, day,
                  static_cast<int>(random() % 3) * 11, static_cast<int>(random() % 2) * 30);
    all.push_back(rec("d" + std::to_string(random() % 100000) + "-" + std::to_string(i),
                      senders[random() % senders.size()], ts, "t"));
  }
  store_all(storage, all);
  const std::vector<std::optional<std::string>> sinces = {
    std::nullopt, std::string("2025-01-01T00:00:00Z"), std::string("2025-01-03T11:00:00Z"),
    std::string("2025-01-03T11:00:01Z"), std::string("2025-01-28T23:59:59Z"),
    std::string("2025-02-10T00:30:00Z"), std::string("2025-03-01T00:00:00Z")};
  int asked = 0;
  for (const auto& since : sinces) {
    for (std::int64_t offset = 0; offset <= static_cast<std::int64_t>(all.size()) + 3; offset += 1 + offset / 16) {
      for (int limit : {1, 7, 100}) {
        auto mq = make_query(limit, offset, std::nullopt, since);
        auto page = list(query, mq);
        auto [ref_ids, ref_total] = reference_answer(all, mq);
        BOOST_TEST_CONTEXT("since=" << since.value_or("-") << " limit=" << limit << " offset=" << offset) {
          BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
          BOOST_TEST(page.total == ref_total);
        }
        ++asked;
      }
    }
  }
  BOOST_TEST(asked > 300);
  // A sender's total comes from its counter: also for one that never wrote.
  for (const auto& from : {A, B, C, std::string("+10000000000")}) {
    auto mq = make_query(5, 0, from);
    BOOST_TEST(list(query, mq).total == reference_answer(all, mq).second, "from=" << from);
  }
}

// Deep offsets inside a day start from that day's anchors (one key every 64
// rows, actors/day_anchors.hpp) once the day has been seen unchanged twice.
// Every offset of days with runs of equal ts, read three times (noted, built,
// used), then again after rows were added to one of the days and to a new one.
BOOST_FIXTURE_TEST_CASE(day_anchors_give_the_same_pages_as_a_walk, query_fixture) {
  auto storage = start_storage(path);
  auto query = start_query(path);
  std::mt19937 random{77};
  std::vector<message_record> all;
  auto add_rows = [&](const std::string& day, int count, const std::string& prefix) {
    std::vector<message_record> batch;
    for (int i = 0; i < count; ++i) {
      char ts[32];
      std::snprintf(ts, sizeof ts, "%sT%02d:%02d:00Z", day.c_str(), static_cast<int>(random() % 4),
                    static_cast<int>(random() % 3) * 20);
      batch.push_back(rec(prefix + std::to_string(random() % 1000) + "-" + std::to_string(i), A, ts, "t"));
    }
    store_all(storage, batch);
    all.insert(all.end(), batch.begin(), batch.end());
  };
  add_rows("2025-03-01", 150, "a");
  add_rows("2025-03-02", 400, "b");
  add_rows("2025-03-04", 200, "c");
  auto sweep = [&](const std::string& round) {
    for (const auto& since : {std::optional<std::string>{}, std::optional<std::string>{"2025-03-01T02:00:00Z"}}) {
      for (std::int64_t offset = 1; offset <= static_cast<std::int64_t>(all.size()) + 2; offset += 7) {
        auto mq = make_query(50, offset, std::nullopt, since);
        auto page = list(query, mq);
        auto [ref_ids, ref_total] = reference_answer(all, mq);
        BOOST_TEST_CONTEXT(round << " since=" << since.value_or("-") << " offset=" << offset) {
          BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
          BOOST_TEST(page.total == ref_total);
        }
      }
    }
  };
  for (const char* round : {"first", "second", "third"}) sweep(round);
  // The largest offset the API accepts, once the day index is built: an empty
  // page, the right total, no overflow (UBSan runs this suite too).
  for (int i = 0; i < 3; ++i)
    for (const auto& since : {std::optional<std::string>{}, std::optional<std::string>{"2025-03-01T02:00:00Z"}}) {
      auto mq = make_query(50, std::numeric_limits<std::int64_t>::max(), std::nullopt, since);
      auto page = list(query, mq);
      BOOST_TEST(page.data.empty());
      BOOST_TEST(page.total == reference_answer(all, mq).second);
    }
  add_rows("2025-03-02", 90, "d");
  add_rows("2025-03-05", 70, "e");
  for (const char* round : {"after inserts", "after inserts again", "after inserts, anchors rebuilt"}) sweep(round);
}

// The anchors' memory is a budget of keys over all days: building a day
// forgets the least recently used days until its keys fit, never the day
// being built, and days noted but not built cost nothing of the budget.
BOOST_AUTO_TEST_CASE(day_anchors_stay_within_their_key_budget) {
  day_anchor_cache anchors{100};
  auto built = [](std::size_t keys) {
    day_anchors day;
    day.keys.resize(keys, anchor_key{"2025-01-01T00:00:00Z", "m"});
    return day;
  };
  anchors.store("2025-01-01", built(40));
  anchors.store("2025-01-02", built(30));
  anchors.store("2025-01-03", day_anchors{});  // noted, not built
  anchors.store("2025-01-04", built(20));
  BOOST_TEST_REQUIRE(anchors.find("2025-01-01") != nullptr);  // now the most recent
  // The day to build: looked up last, as anchors_for does.
  anchors.store("2025-01-05", day_anchors{});
  BOOST_TEST_REQUIRE(anchors.find("2025-01-05") != nullptr);

  make_room_for_anchors(anchors, 10, 100);  // 90 held + 10 fit: nothing goes
  BOOST_TEST(anchors.size() == 5u);

  // 90 + 45: the least recent days go (02: 30 keys, 03: none, 04: 20) until
  // the 40 of 01 and the 45 new ones fit.
  make_room_for_anchors(anchors, 45, 100);
  BOOST_TEST(anchors.size() == 2u);
  BOOST_TEST(anchors.find("2025-01-01") != nullptr);
  BOOST_TEST(anchors.find("2025-01-05") != nullptr);

  anchors.find("2025-01-05");
  make_room_for_anchors(anchors, 500, 100);  // more than the budget: all but the day itself go
  BOOST_TEST(anchors.size() == 1u);
  BOOST_TEST(anchors.find("2025-01-05") != nullptr);
}

// Rows written by another tool with a ts that is not canonical (here empty)
// make a day_counts day of another length: deep offsets into it are walked,
// never anchored (anchors need the "YYYY-MM-DD" form), and stay right.
BOOST_FIXTURE_TEST_CASE(deep_offsets_into_a_non_canonical_day_are_walked, query_fixture) {
  auto storage = start_storage(path);
  auto query = start_query(path);
  std::vector<message_record> all;
  for (int i = 0; i < 100; ++i) all.push_back(rec("n" + std::to_string(1000 + i), A, "2025-04-01T10:00:00Z", "t"));
  store_all(storage, all);
  {
    sqlite::connection other{path, sqlite::connection::mode::read_write};
    other.exec("PRAGMA busy_timeout = 5000");
    for (int i = 0; i < 100; ++i) {
      const std::string id = "e" + std::to_string(1000 + i);
      other.exec("INSERT INTO messages (message_id, from_msisdn, to_msisdn, ts, text, created_at) VALUES ('" + id +
                 "', '" + A + "', '" + B + "', '', 't', '2025-04-01T10:00:00.000Z')");
      all.push_back(rec(id, A, "", "t"));
    }
  }
  for (int round = 0; round < 3; ++round)
    for (std::int64_t offset : {64, 70, 99, 100, 150, 199}) {
      auto mq = make_query(20, offset);
      auto page = list(query, mq);
      auto [ref_ids, ref_total] = reference_answer(all, mq);
      BOOST_TEST_CONTEXT("round " << round << " offset " << offset) {
        BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
        BOOST_TEST(page.total == ref_total);
      }
    }
}

// Filtered totals are remembered per filter combination and brought up to
// date with the rows stored since (actors/count_cache.hpp). Rounds of inserts
// between the same queries must give the same totals as a fresh computation.
BOOST_FIXTURE_TEST_CASE(remembered_totals_follow_new_rows, query_fixture) {
  auto storage = start_storage(path);
  auto query = start_query(path);
  std::mt19937 random{4242};
  const std::vector<std::string> senders = {A, B, C};
  const std::vector<std::string> words = {"hello", "Hello", "order", "HELLO", "ok", "100%", "a_b", "caf\xC3\xA9"};
  std::vector<message_record> all;
  const std::vector<message_query> queries = {
    make_query(5, 0, std::nullopt, std::nullopt, std::string("hello")),
    make_query(5, 2, std::nullopt, std::nullopt, std::string("o")),
    make_query(5, 0, std::nullopt, std::nullopt, std::string("%")),
    make_query(5, 0, A, std::nullopt, std::string("hel")),
    make_query(5, 0, B, std::string("2025-01-10T00:00:00Z")),
    make_query(5, 3, std::nullopt, std::string("2025-01-08T12:00:00Z")),
    make_query(5, 1, C, std::string("2025-01-05T00:00:00Z"), std::string("ok")),
    make_query(5, 0, std::nullopt, std::string("2025-01-12T00:00:00Z"), std::string("\xC3\xA9")),
  };
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 25; ++i) {
      char ts[32];
      std::snprintf(ts, sizeof ts, "2025-01-%02dT%02d:00:00Z", 1 + static_cast<int>(random() % 20),
                    static_cast<int>(random() % 24));
      std::string text = words[random() % words.size()] + " " + words[random() % words.size()];
      auto record = rec("r" + std::to_string(round) + "-" + std::to_string(i), senders[random() % 3], ts,
                        random() % 5 == 0 ? std::nullopt : std::optional<std::string>{text});
      BOOST_REQUIRE_EQUAL(store(storage, record), store_outcome::created);
      all.push_back(std::move(record));
    }
    // Each query twice: once bringing the remembered total up to date, once
    // answered from it unchanged.
    for (int repeat = 0; repeat < 2; ++repeat)
      for (const auto& mq : queries) {
        auto page = list(query, mq);
        auto [ref_ids, ref_total] = reference_answer(all, mq);
        BOOST_TEST_CONTEXT("round " << round << " from=" << mq.from.value_or("-") << " since="
                                    << mq.since.value_or("-") << " q=" << mq.q.value_or("-")) {
          BOOST_TEST(page.total == ref_total);
          BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
        }
      }
  }
}

// q pages up to offset + limit = 500 come from a remembered list of the
// first matches (actors/match_list.hpp). With more matches than that, pages
// inside and past the list must agree with a fresh computation, also after
// rows that sort before, among and after the remembered ones are added.
BOOST_FIXTURE_TEST_CASE(q_pages_from_remembered_matches_follow_new_rows, query_fixture) {
  auto storage = start_storage(path);
  auto query = start_query(path);
  std::mt19937 random{31337};
  std::vector<message_record> all;
  auto add_rows = [&](int round, int count) {
    std::vector<message_record> batch;
    for (int i = 0; i < count; ++i) {
      char ts[32];
      std::snprintf(ts, sizeof ts, "2025-02-%02dT%02d:%02d:00Z", 1 + static_cast<int>(random() % 28),
                    static_cast<int>(random() % 24), static_cast<int>(random() % 60));
      const bool hit = random() % 8 != 0;
      batch.push_back(rec("k" + std::to_string(round) + "-" + std::to_string(i), random() % 2 ? A : B, ts,
                          hit ? std::optional<std::string>{"a HIT here"} : std::optional<std::string>{"miss"}));
    }
    store_all(storage, batch);
    all.insert(all.end(), batch.begin(), batch.end());
  };
  add_rows(0, 700);
  for (int round = 1; round <= 3; ++round) {
    for (std::int64_t offset : {0, 200, 449, 450, 451, 460, 499, 500, 650}) {
      for (const auto& from : {std::optional<std::string>{}, std::optional<std::string>{A}}) {
        auto mq = make_query(50, offset, from, std::nullopt, std::string("hit"));
        auto page = list(query, mq);
        auto [ref_ids, ref_total] = reference_answer(all, mq);
        BOOST_TEST_CONTEXT("round " << round << " offset " << offset << " from " << from.value_or("-")) {
          BOOST_TEST(page.total == ref_total);
          BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
        }
      }
    }
    add_rows(round, 60);
  }
  // Offsets 0-450 (four per round, with and without `from`) are served from
  // a match list: read once per filter set, then kept up to date.
  BOOST_TEST(metrics.match_lists_read().Value() == 2.0);
  BOOST_TEST(metrics.match_lists_reused().Value() == 22.0);
}

BOOST_AUTO_TEST_CASE(match_list_keeps_the_first_matches_in_order) {
  auto key = [](std::string ts, std::string id, std::int64_t rowid) {
    return match_key{std::move(ts), std::move(id), rowid};
  };
  auto ids = [](const match_list& list) {
    std::string out;
    for (const auto& k : list.first) out += k.message_id + " ";
    return out;
  };
  match_list list;
  list.first = {key("t1", "a", 1), key("t3", "c", 3), key("t5", "e", 5)};
  list.complete = true;
  list.add(key("t2", "b", 6), 4);
  BOOST_TEST(ids(list) == "a b c e ");
  BOOST_TEST(list.complete);
  BOOST_TEST(list.covers(3, 50));  // complete: every page is known
  // A fifth match pushes the last one out: the list is a prefix from now on.
  list.add(key("t6", "f", 7), 4);
  BOOST_TEST(ids(list) == "a b c e ");
  BOOST_TEST(!list.complete);
  BOOST_TEST(list.covers(0, 4));
  BOOST_TEST(!list.covers(1, 4));
  list.add(key("t9", "g", 8), 4);  // past the prefix: not needed
  BOOST_TEST(ids(list) == "a b c e ");
  list.add(key("t4", "d", 9), 4);
  BOOST_TEST(ids(list) == "a b c d ");
  list.add(key("t1", "a2", 10), 4);  // equal ts: ordered by message_id
  BOOST_TEST(ids(list) == "a a2 b c ");
  BOOST_TEST(list.first[1].rowid == 10);
}

BOOST_AUTO_TEST_CASE(count_cache_forgets_the_least_recently_used) {
  count_cache cache{2};
  cache.store("a", counted_snapshot{1, 10, 10});
  cache.store("b", counted_snapshot{2, 10, 10});
  BOOST_TEST(cache.find("a") != nullptr);  // a is now more recent than b
  cache.store("c", counted_snapshot{3, 11, 11});
  BOOST_TEST(cache.size() == 2u);
  BOOST_TEST(cache.find("b") == nullptr);
  BOOST_TEST(cache.find("a")->matches == 1);
  BOOST_TEST(cache.find("c")->watermark == 11);
  cache.store("a", counted_snapshot{5, 12, 12});  // an update, not a new entry
  BOOST_TEST(cache.size() == 2u);
  BOOST_TEST(cache.find("a")->matches == 5);
  cache.clear();
  BOOST_TEST(cache.size() == 0u);
  count_cache none{0};
  none.store("a", counted_snapshot{});
  BOOST_TEST(none.find("a") == nullptr);
}

BOOST_AUTO_TEST_CASE(row_cache_admits_on_the_second_miss_and_keeps_two_rows_per_set) {
  row_cache cache{7, 300, 1 << 20};  // rounded up to 8 slots: 4 sets of 2
  BOOST_TEST(cache.capacity() == 8u);
  // The first miss only notes the rowid; the second one keeps the row.
  cache.store(1, "m1", "{1}");
  BOOST_TEST(cache.find(1, "m1") == nullptr);
  BOOST_TEST(cache.size() == 0u);
  auto keep = [&](std::int64_t rowid, std::string_view id, std::string_view json) {
    cache.store(rowid, id, json);
    cache.store(rowid, id, json);
  };
  keep(1, "m1", "{1}");
  keep(2, "m2", "{2}");
  BOOST_REQUIRE(cache.find(1, "m1") != nullptr);
  BOOST_TEST(*cache.find(1, "m1") == "{1}");
  BOOST_TEST(*cache.find(2, "m2") == "{2}");
  BOOST_TEST(cache.find(3, "m3") == nullptr);
  // Rowids 1, 5 and 9 share a set. Two rows that take turns missing are
  // both admitted (each set notes two misses) and both kept.
  cache.store(5, "m5", "{5}");
  cache.store(9, "m9", "{9}");
  cache.store(5, "m5", "{5}");
  cache.store(9, "m9", "{9}");
  BOOST_TEST(cache.find(1, "m1") == nullptr);  // the least recently used way
  BOOST_TEST(*cache.find(5, "m5") == "{5}");
  BOOST_TEST(*cache.find(9, "m9") == "{9}");
  BOOST_TEST(cache.size() == 3u);
  // 9 was used last, so 1 (admitted again) replaces 5.
  keep(1, "m1", "{1}");
  BOOST_TEST(cache.find(5, "m5") == nullptr);
  BOOST_TEST(*cache.find(9, "m9") == "{9}");
  BOOST_TEST(*cache.find(1, "m1") == "{1}");
  // A rowid that now names another message is a miss, and its slot is
  // reused for the new message.
  BOOST_TEST(cache.find(2, "other") == nullptr);
  keep(2, "other", "{2'}");
  BOOST_TEST(*cache.find(2, "other") == "{2'}");
  BOOST_TEST(cache.find(2, "m2") == nullptr);
  BOOST_TEST(cache.size() == 3u);
  // A row larger than largest_row (id and JSON together) is not kept.
  keep(10, "m10", std::string(298, 'x'));
  BOOST_TEST(cache.find(10, "m10") == nullptr);
  keep(10, "m10", std::string(297, 'x'));
  BOOST_TEST(cache.find(10, "m10") != nullptr);
  // The byte budget: a row that would take the strings past it is not kept.
  row_cache small{8, 1000, 700};
  auto keep_small = [&](std::int64_t rowid, std::string_view json) {
    small.store(rowid, "id", json);
    small.store(rowid, "id", json);
  };
  keep_small(1, std::string(300, 'a'));
  keep_small(5, std::string(300, 'b'));  // the same set as 1
  BOOST_TEST(small.find(1, "id") != nullptr);
  BOOST_TEST(small.find(5, "id") != nullptr);
  BOOST_TEST(small.bytes() <= 700u);
  keep_small(3, std::string(300, 'c'));  // an empty slot: would need 300 more
  BOOST_TEST(small.find(3, "id") == nullptr);
  BOOST_TEST(small.bytes() <= 700u);
  keep_small(9, std::string(200, 'd'));  // replaces 1, within 1's memory
  BOOST_TEST(small.find(9, "id") != nullptr);
  BOOST_TEST(small.find(1, "id") == nullptr);
  BOOST_TEST(small.bytes() <= 700u);
  cache.clear();
  BOOST_TEST(cache.size() == 0u);
  BOOST_TEST(cache.find(9, "m9") == nullptr);
  cache.store(9, "m9", "{9}");  // forgotten by clear(): a first miss again
  BOOST_TEST(cache.find(9, "m9") == nullptr);
}

// Pages are written from the row cache once their rows have been read: the
// body must not change, and a rowid that another tool gave to a different
// message must show that message.
BOOST_FIXTURE_TEST_CASE(cached_rows_give_the_same_body_and_follow_a_reused_rowid, query_fixture) {
  auto storage = start_storage(path);
  auto query = start_query(path);
  store_all(storage, {rec("c1", A, "2025-01-15T10:00:00Z", "first \"quoted\"\n"),
                      rec("c2", B, "2025-01-15T10:00:01Z", std::nullopt),
                      rec("c3", C, "2025-01-15T10:00:02Z", "third caf\xC3\xA9")});
  const auto mq = make_query(10, 0);
  // Read three times: the second read admits the rows, the third is
  // written from the cache.
  const std::string first = list_body(query, mq);
  BOOST_TEST(list_body(query, mq) == first);
  BOOST_TEST(list_body(query, mq) == first);
  BOOST_TEST(list(query, mq).data.at(0).text.value() == "first \"quoted\"\n");
  // Two reads from the database (the second admits the rows), two from the cache.
  BOOST_TEST(metrics.page_rows_read().Value() == 6.0);
  BOOST_TEST(metrics.page_rows_cached().Value() == 6.0);
  std::int64_t reused_rowid = 0;
  {
    // Another tool deletes the newest row; SQLite then gives its rowid to
    // the next insert.
    sqlite::connection other{path, sqlite::connection::mode::read_write};
    auto rowid = other.prepare("SELECT rowid FROM messages WHERE message_id = 'c3'");
    BOOST_REQUIRE(rowid.step());
    reused_rowid = rowid.column_int(0);
    rowid.reset();
    other.exec("DELETE FROM messages WHERE message_id = 'c3'");
  }
  BOOST_REQUIRE_EQUAL(store(storage, rec("c4", A, "2025-01-15T10:00:02Z", "fourth")), store_outcome::created);
  {
    sqlite::connection other{path, sqlite::connection::mode::read_only};
    auto rowid = other.prepare("SELECT rowid FROM messages WHERE message_id = 'c4'");
    BOOST_REQUIRE(rowid.step());
    BOOST_REQUIRE_EQUAL(rowid.column_int(0), reused_rowid);
  }
  auto page = list(query, mq);
  BOOST_TEST(ids_of(page) == (std::vector<std::string>{"c1", "c2", "c4"}), boost::test_tools::per_element());
  BOOST_TEST(page.data.at(2).text.value() == "fourth");
  BOOST_TEST(page.data.at(2).from == A);
  // c4 has c3's rowid but not its message_id: read, not taken from the cache.
  BOOST_TEST(metrics.page_rows_read().Value() == 7.0);
  BOOST_TEST(metrics.page_rows_cached().Value() == 8.0);
}

BOOST_FIXTURE_TEST_CASE(ties_on_ts_are_ordered_by_message_id, query_fixture) {
  auto storage = start_storage(path);
  auto query = start_query(path);
  // Same ts for all, stored in an order that is neither ascending nor descending.
  const std::vector<std::string> ids = {"tie-c", "tie-a", "tie-e", "tie-b", "tie-d", "Tie-Z", "tie-10", "tie-1"};
  for (const auto& id : ids) BOOST_REQUIRE_EQUAL(store(storage, rec(id, A, "2025-02-01T00:00:00Z", "t")), store_outcome::created);
  BOOST_REQUIRE_EQUAL(store(storage, rec("aaa-later", A, "2025-02-01T00:00:01Z", "t")), store_outcome::created);
  BOOST_REQUIRE_EQUAL(store(storage, rec("zzz-earlier", A, "2025-01-31T23:59:59Z", "t")), store_outcome::created);
  auto page = list(query, make_query());
  const std::vector<std::string> expected = {"zzz-earlier", "Tie-Z", "tie-1", "tie-10", "tie-a",
                                             "tie-b", "tie-c", "tie-d", "tie-e", "aaa-later"};
  BOOST_TEST(ids_of(page) == expected, boost::test_tools::per_element());
  BOOST_TEST(page.total == 10);
}

BOOST_FIXTURE_TEST_CASE(unicode_text_round_trips_byte_exact, query_fixture) {
  auto storage = start_storage(path);
  auto query = start_query(path);
  const std::vector<std::string> texts = {
    "\xF0\x9F\x98\x80\xF0\x9F\x8E\x89 party",                          // emoji (4-byte)
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",  // ZWJ family
    "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96\xE7\x95\x8C",  // CJK with full-width comma
    "e\xCC\x81 n\xCC\x83 a\xCC\x8A",                                   // combining marks
    "\xC3\xA9 precomposed",                                            // NFC, must stay NFC
    "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xD8\xB3\xD9\x84\xD8\xA7\xD9\x85",  // Hebrew and Arabic
    "tab\tnewline\nquote\" backslash\\ end",
    "\xF0\x9D\x95\xB3\xF0\x9D\x96\x8A\xF0\x9D\x96\x91",                // mathematical letters
  };
  for (std::size_t i = 0; i < texts.size(); ++i)
    BOOST_REQUIRE_EQUAL(store(storage, rec("u" + std::to_string(i), A,
                                           "2025-03-01T00:00:0" + std::to_string(i) + "Z", texts[i])),
                        store_outcome::created);
  auto page = list(query, make_query());
  BOOST_REQUIRE_EQUAL(page.data.size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    BOOST_TEST(page.data[i].message_id == "u" + std::to_string(i));
    BOOST_REQUIRE(page.data[i].text.has_value());
    BOOST_TEST(page.data[i].text->size() == texts[i].size(), "text " << i);
    BOOST_TEST(*page.data[i].text == texts[i], "text " << i);
  }
  // Non-ASCII needles match as literal byte sequences.
  BOOST_TEST(ids_of(list(query, make_query(100, 0, std::nullopt, std::nullopt, "\xE4\xB8\x96\xE7\x95\x8C"))) ==
             std::vector<std::string>{"u2"}, boost::test_tools::per_element());
  BOOST_TEST(ids_of(list(query, make_query(100, 0, std::nullopt, std::nullopt, "\xF0\x9F\x98\x80"))) ==
             std::vector<std::string>{"u0"}, boost::test_tools::per_element());
  BOOST_TEST(ids_of(list(query, make_query(100, 0, std::nullopt, std::nullopt, "e\xCC\x81"))) ==
             std::vector<std::string>{"u3"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(sample_unicode_rows_round_trip, sample_fixture) {
  check(make_query(100, 0, std::nullopt, std::nullopt, "\xF0\x9F\x98\x80"), {"m11"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "\xE4\xBD\xA0\xE5\xA5\xBD"), {"m11"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "cafe\xCC\x81"), {"m12"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "CAFE"), {"m12"}, 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(statistics)

BOOST_FIXTURE_TEST_CASE(empty_database_gives_zeros_and_null_timestamps, query_fixture) {
  auto storage = start_storage(path);
  BOOST_REQUIRE(wait_ready(storage));
  auto query = start_query(path);
  auto s = stats(query);
  BOOST_TEST(s.total_messages == 0);
  BOOST_TEST(s.senders_count == 0);
  BOOST_TEST(s.messages_per_sender.empty());
  BOOST_TEST(!s.first_message_ts.has_value());
  BOOST_TEST(!s.last_message_ts.has_value());
  auto page = list(query, make_query());
  BOOST_TEST(page.data.empty());
  BOOST_TEST(page.total == 0);
  auto filtered = list(query, make_query(10, 0, A, "2025-01-01T00:00:00Z", "x"));
  BOOST_TEST(filtered.data.empty());
  BOOST_TEST(filtered.total == 0);
}

BOOST_FIXTURE_TEST_CASE(top_ten_senders_with_ties_broken_by_from, query_fixture) {
  auto storage = start_storage(path);
  auto query = start_query(path);
  // 12 senders; the counts tie at 3, at 2 and at 1, and the tie at 1 straddles
  // the top-10 cut: only the smallest `from` of the three makes it.
  const std::vector<std::pair<std::string, int>> counts = {
    {"+14150000012", 4}, {"+14150000011", 1}, {"+14150000009", 1}, {"+14150000003", 3},
    {"+14150000001", 3}, {"+14150000002", 7}, {"+14150000004", 1}, {"+14150000005", 5},
    {"+14150000010", 2}, {"+14150000007", 2}, {"+14150000006", 2}, {"+14150000008", 9},
  };
  int n = 0;
  int total = 0;
  for (const auto& [from, count] : counts) {
    for (int i = 0; i < count; ++i, ++n) {
      char ts[32];
      std::snprintf(ts, sizeof ts, "2025-01-%02dT%02d:%02d:00Z", 2 + n % 27, n % 24, (n * 7) % 60);
      BOOST_REQUIRE_EQUAL(store(storage, rec("s-" + std::to_string(n), from, ts, "x")), store_outcome::created);
    }
    total += count;
  }
  // The extremes, from senders in the middle of the table.
  BOOST_REQUIRE_EQUAL(store(storage, rec("s-first", "+14150000006", "2024-12-31T23:59:59Z", "x")),
                      store_outcome::created);
  BOOST_REQUIRE_EQUAL(store(storage, rec("s-last", "+14150000006", "2025-03-01T00:00:00Z", std::nullopt)),
                      store_outcome::created);
  total += 2;  // +14150000006 now has 4: ties with +14150000012 and sorts before it
  // A duplicate changes nothing.
  BOOST_REQUIRE_EQUAL(store(storage, rec("s-0", "+14150000011", "2025-05-05T00:00:00Z", "x")),
                      store_outcome::duplicate);

  auto s = stats(query);
  BOOST_TEST(total == 42);
  BOOST_TEST(s.total_messages == 42);
  BOOST_TEST(s.senders_count == 12);
  const std::vector<std::pair<std::string, std::int64_t>> expected = {
    {"+14150000008", 9}, {"+14150000002", 7}, {"+14150000005", 5}, {"+14150000006", 4},
    {"+14150000012", 4}, {"+14150000001", 3}, {"+14150000003", 3}, {"+14150000007", 2},
    {"+14150000010", 2}, {"+14150000004", 1},
  };
  BOOST_REQUIRE_EQUAL(s.messages_per_sender.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST_CONTEXT("rank " << i) {
      BOOST_TEST(s.messages_per_sender[i].from == expected[i].first);
      BOOST_TEST(s.messages_per_sender[i].count == expected[i].second);
    }
  }
  BOOST_TEST(s.first_message_ts.value_or("<null>") == "2024-12-31T23:59:59Z");
  BOOST_TEST(s.last_message_ts.value_or("<null>") == "2025-03-01T00:00:00Z");
  // The unfiltered list total (kept by a counter) agrees with a per-sender count.
  BOOST_TEST(list(query, make_query(1, 0)).total == 42);
  BOOST_TEST(list(query, make_query(1, 0, std::string("+14150000008"))).total == 9);
  BOOST_TEST(list(query, make_query(1, 0, std::string("+14150000006"))).total == 4);
}

BOOST_FIXTURE_TEST_CASE(stats_over_the_sample_messages, sample_fixture) {
  auto s = stats(query);
  BOOST_TEST(s.total_messages == 12);
  BOOST_TEST(s.senders_count == 3);
  BOOST_REQUIRE_EQUAL(s.messages_per_sender.size(), 3u);
  BOOST_TEST(s.messages_per_sender[0].from == A);
  BOOST_TEST(s.messages_per_sender[0].count == 6);
  BOOST_TEST(s.messages_per_sender[1].from == B);
  BOOST_TEST(s.messages_per_sender[1].count == 4);
  BOOST_TEST(s.messages_per_sender[2].from == C);
  BOOST_TEST(s.messages_per_sender[2].count == 2);
  BOOST_TEST(s.first_message_ts.value_or("<null>") == "2025-01-14T23:59:59Z");
  BOOST_TEST(s.last_message_ts.value_or("<null>") == "2025-01-16T00:00:00Z");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(availability)

BOOST_FIXTURE_TEST_CASE(query_before_the_database_exists_is_an_error_then_works, query_fixture) {
  const auto later = dir.file("not/yet/app.db");
  auto query = start_query(later);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto [page, err] = try_list(query, make_query());
    BOOST_TEST(!page.has_value());
    BOOST_TEST(is_error(err, webhookd_errc::storage_unavailable), "error: " << sys.render(err));
    auto [snapshot, stats_err] = try_stats(query);
    BOOST_TEST(!snapshot.has_value());
    BOOST_TEST(is_error(stats_err, webhookd_errc::storage_unavailable), "error: " << sys.render(stats_err));
  }
  // Reading must not create the file (or its directory).
  BOOST_TEST(!fs::exists(dir.file("not")));

  auto storage = start_storage(later);
  BOOST_REQUIRE(wait_ready(storage));
  auto empty = list(query, make_query());
  BOOST_TEST(empty.total == 0);
  BOOST_TEST(empty.data.empty());
  BOOST_REQUIRE_EQUAL(store(storage, rec("late-1", A, "2025-01-15T10:00:00Z", "hi")), store_outcome::created);
  auto page = list(query, make_query());
  BOOST_TEST(page.total == 1);
  BOOST_TEST(ids_of(page) == std::vector<std::string>{"late-1"}, boost::test_tools::per_element());
  auto s = stats(query);
  BOOST_TEST(s.total_messages == 1);
  BOOST_TEST(s.senders_count == 1);
}

BOOST_FIXTURE_TEST_CASE(query_on_a_file_without_schema_is_an_error_then_works, query_fixture) {
  { std::ofstream touch(path); }  // an empty file is an empty SQLite database
  auto query = start_query(path);
  auto [page, err] = try_list(query, make_query());
  BOOST_TEST(!page.has_value());
  BOOST_TEST(is_error(err, webhookd_errc::storage_unavailable), "error: " << sys.render(err));
  auto [snapshot, stats_err] = try_stats(query);
  BOOST_TEST(!snapshot.has_value());
  BOOST_TEST(is_error(stats_err, webhookd_errc::storage_unavailable), "error: " << sys.render(stats_err));

  auto storage = start_storage(path);
  BOOST_REQUIRE(wait_ready(storage));
  BOOST_REQUIRE_EQUAL(store(storage, rec("x-1", A, "2025-01-15T10:00:00Z", "hi")), store_outcome::created);
  BOOST_TEST(list(query, make_query()).total == 1);
  BOOST_TEST(stats(query).total_messages == 1);
}

BOOST_FIXTURE_TEST_CASE(reads_during_writes_see_consistent_snapshots, query_fixture) {
  auto storage = start_storage(path);
  BOOST_REQUIRE(wait_ready(storage));
  auto query = start_query(path);
  // 400 stores in flight while the test reads; every answer must be internally
  // consistent (rows and total from the same snapshot) and totals never shrink.
  constexpr int count = 400;
  using handle_t = decltype(self->request(storage, reply_timeout, store_atom::value, rec("", A, "", "")));
  std::vector<handle_t> handles;
  for (int i = 0; i < count; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "w-%03d", i);
    handles.push_back(self->request(storage, reply_timeout, store_atom::value,
                                    rec(id, i % 2 ? A : B, "2025-01-15T10:00:00Z", "w")));
  }
  std::int64_t last_total = 0;
  for (int round = 0; round < 30; ++round) {
    auto page = list(query, make_query(100, 0));
    BOOST_TEST(page.total >= last_total);
    BOOST_TEST(static_cast<std::int64_t>(page.data.size()) == std::min<std::int64_t>(100, page.total));
    auto s = stats(query);
    BOOST_TEST(s.total_messages >= page.total);
    std::int64_t per_sender = 0;
    for (auto& sc : s.messages_per_sender) per_sender += sc.count;
    BOOST_TEST(per_sender == s.total_messages);
    last_total = page.total;
  }
  int created = 0;
  for (auto& h : handles)
    h.receive([&](store_outcome o) { created += o == store_outcome::created; }, [&](caf::error&) {});
  BOOST_TEST(created == count);
  auto final_page = list(query, make_query(100, 0, A));
  BOOST_TEST(final_page.total == count / 2);
  BOOST_TEST(stats(query).total_messages == count);
}

BOOST_AUTO_TEST_SUITE_END()
