// The writing side of the storage contract, through the storage seam and the
// typed interfaces only (support/storage_harness.hpp): what a store request
// is answered, and what the reads then show. Runs unchanged for every backend.
#define BOOST_TEST_MODULE test_storage_contract
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>

#include "support/storage_harness.hpp"

using namespace webhookd;
using namespace webhookd::test;

namespace {

const std::string A = "+919876543210";

message_record make_record(std::string id, std::string from = A, std::string ts = "2025-01-15T10:00:00Z",
                           std::optional<std::string> text = std::string("Hello"),
                           std::string to = "+14155550100") {
  return record(std::move(id), std::move(from), std::move(ts), std::move(text), std::move(to));
}

struct started {
  storage_harness db;
  started() { db.start(); }

  // The one row the listing holds for `id`.
  message_record row(const std::string& id) {
    auto page = db.list(make_query(100, 0));
    for (auto& r : page.data)
      if (r.message_id == id) return r;
    BOOST_FAIL("no row " << id);
    return {};
  }
};

double handled_count(service_metrics& metrics, const std::string& actor) {
  for (const auto& family : metrics.registry().Collect()) {
    if (family.name != "webhookd_actor_messages_handled_total") continue;
    for (const auto& metric : family.metric)
      for (const auto& label : metric.label)
        if (label.name == "actor" && label.value == actor) return metric.counter.value;
  }
  return -1;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(storage_contract, started)

BOOST_AUTO_TEST_CASE(a_created_store_is_read_back_exactly) {
  BOOST_TEST(db.store(make_record("m-1", A, "2025-01-15T10:00:00Z", "Hello", "+14155550100")) == store_outcome::created);
  auto r = row("m-1");
  BOOST_TEST(r.from == A);
  BOOST_TEST(r.to == "+14155550100");
  BOOST_TEST(r.ts == "2025-01-15T10:00:00Z");
  BOOST_TEST(r.text.value_or("<null>") == "Hello");
  auto s = db.stats();
  BOOST_TEST(s.total_messages == 1);
  BOOST_TEST(s.senders_count == 1);
}

BOOST_AUTO_TEST_CASE(every_acknowledged_store_is_visible_at_once) {
  for (int i = 0; i < 20; ++i) {
    auto id = "seq-" + std::to_string(i);
    BOOST_TEST(db.store(make_record(id)) == store_outcome::created);
    BOOST_TEST(db.list(make_query(1, 0)).total == i + 1);
    BOOST_TEST(db.list(make_query(1, 0, std::nullopt, std::nullopt, "hello")).total == i + 1);
  }
}

BOOST_AUTO_TEST_CASE(a_duplicate_keeps_the_first_version_and_counts_nothing) {
  BOOST_TEST(db.store(make_record("dup-1", A, "2025-01-15T10:00:00Z", "first")) == store_outcome::created);
  BOOST_TEST(db.store(make_record("dup-1", "+447700900123", "2026-06-30T23:59:59Z", "second", "+12025550199")) ==
             store_outcome::duplicate);
  BOOST_TEST(db.store(make_record("dup-1", "+447700900123", "2026-06-30T23:59:59Z", std::nullopt)) ==
             store_outcome::duplicate);
  auto page = db.list(make_query(100, 0));
  BOOST_REQUIRE_EQUAL(page.data.size(), 1u);
  BOOST_TEST(page.total == 1);
  const auto& r = page.data[0];
  BOOST_TEST(r.from == A);
  BOOST_TEST(r.to == "+14155550100");
  BOOST_TEST(r.ts == "2025-01-15T10:00:00Z");
  BOOST_TEST(r.text.value_or("<null>") == "first");
  auto s = db.stats();
  BOOST_TEST(s.total_messages == 1);
  BOOST_TEST(s.senders_count == 1);
  BOOST_TEST(s.last_message_ts.value_or("") == "2025-01-15T10:00:00Z");
  BOOST_TEST(db.list(make_query(10, 0, std::string("+447700900123"))).total == 0);
  BOOST_TEST(db.list(make_query(10, 0, std::nullopt, std::nullopt, "second")).total == 0);
}

BOOST_AUTO_TEST_CASE(missing_text_is_null_and_empty_text_is_empty) {
  BOOST_TEST(db.store(make_record("no-text", A, "2025-01-15T10:00:00Z", std::nullopt)) == store_outcome::created);
  BOOST_TEST(db.store(make_record("empty-text", A, "2025-01-15T10:00:01Z", std::string{})) == store_outcome::created);
  BOOST_TEST(!row("no-text").text.has_value());
  BOOST_REQUIRE(row("empty-text").text.has_value());
  BOOST_TEST(row("empty-text").text->empty());
  BOOST_TEST(db.list(make_query(10, 0, std::nullopt, std::nullopt, "e")).total == 0);
}

BOOST_AUTO_TEST_CASE(hundred_concurrent_stores_of_one_id_make_one_row) {
  constexpr int senders = 100;
  auto collector = caf::actor_cast<caf::actor>(db.self());
  const auto storage = db.storage();
  for (int i = 0; i < senders; ++i) {
    auto rec = make_record("same-id", A, "2025-01-15T10:00:00Z", "version " + std::to_string(i));
    db.system().spawn([storage, collector, rec, i](caf::event_based_actor* a) {
      a->request(storage, reply_timeout, store_atom::value, rec)
        .then([a, collector, i](store_outcome o) { a->send(collector, i, static_cast<int>(o)); },
              [a, collector, i](caf::error&) { a->send(collector, i, -1); });
    });
  }
  std::map<int, int> outcome_by_sender;
  bool timed_out = false;
  for (int n = 0; n < senders && !timed_out; ++n)
    db.self()->receive([&](int sender, int code) { outcome_by_sender[sender] = code; },
                       caf::after(reply_timeout) >> [&] { timed_out = true; });
  BOOST_REQUIRE(!timed_out);
  int created = 0, duplicate = 0, other = 0, created_sender = -1;
  for (auto& [sender, code] : outcome_by_sender) {
    if (code == static_cast<int>(store_outcome::created)) {
      ++created;
      created_sender = sender;
    } else if (code == static_cast<int>(store_outcome::duplicate)) {
      ++duplicate;
    } else {
      ++other;
    }
  }
  BOOST_TEST(created == 1);
  BOOST_TEST(duplicate == senders - 1);
  BOOST_TEST(other == 0);
  // The row holds exactly the version whose sender was told "created".
  BOOST_TEST(row("same-id").text.value_or("") == "version " + std::to_string(created_sender));
  BOOST_TEST(db.stats().total_messages == 1);
  BOOST_TEST(db.list(make_query(10, 0, A)).total == 1);
}

BOOST_AUTO_TEST_CASE(five_hundred_concurrent_ids_are_batched) {
  constexpr int count = 500;
  using handle_t = decltype(db.self()->request(db.storage(), reply_timeout, store_atom::value, make_record("x")));
  std::vector<handle_t> handles;
  for (int i = 0; i < count; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "bulk-%03d", i);
    handles.push_back(db.self()->request(db.storage(), reply_timeout, store_atom::value,
                                         make_record(id, "+9100000000" + std::to_string(i % 7), "2025-01-15T10:00:00Z",
                                                     "bulk " + std::to_string(i))));
  }
  int created = 0, other = 0, errors = 0;
  for (auto& h : handles)
    h.receive([&](store_outcome o) { (o == store_outcome::created ? created : other)++; }, [&](caf::error&) { ++errors; });
  BOOST_TEST(created == count);
  BOOST_TEST(other == 0);
  BOOST_TEST(errors == 0);
  auto s = db.stats();
  BOOST_TEST(s.total_messages == count);
  BOOST_TEST(s.senders_count == 7);
  std::int64_t per_sender = 0;
  for (const auto& sc : s.messages_per_sender) per_sender += sc.count;
  BOOST_TEST(per_sender == count);
  auto rows_per_commit = db.metrics().rows_per_commit().Collect().histogram;
  BOOST_TEST_MESSAGE("500 stores went into " << rows_per_commit.sample_count << " commits");
  BOOST_TEST(rows_per_commit.sample_sum == static_cast<double>(count));
  BOOST_TEST(rows_per_commit.sample_count < static_cast<std::uint64_t>(count));
}

BOOST_AUTO_TEST_CASE(several_records_in_one_request_share_a_commit_and_answer_in_order) {
  BOOST_TEST(db.store(make_record("known")) == store_outcome::created);
  const auto commits_before = db.metrics().commit_seconds().Collect().histogram.sample_count;
  std::vector<message_record> records = {make_record("b-1", A, "2025-01-15T10:00:02Z"), make_record("known"),
                                         make_record("b-2", A, "2025-01-15T10:00:01Z"), make_record("b-1"),
                                         make_record("b-3", "+447700900123", "2025-01-15T10:00:00Z", std::nullopt)};
  const auto outcomes = db.store_many(records);
  const std::vector<store_outcome> expected = {store_outcome::created, store_outcome::duplicate, store_outcome::created,
                                               store_outcome::duplicate, store_outcome::created};
  BOOST_TEST(outcomes == expected, boost::test_tools::per_element());
  BOOST_TEST(db.metrics().commit_seconds().Collect().histogram.sample_count == commits_before + 1);
  BOOST_TEST(ids_of(db.list(make_query())) == (std::vector<std::string>{"b-3", "known", "b-2", "b-1"}),
             boost::test_tools::per_element());
  BOOST_TEST(db.stats().senders_count == 2);
  BOOST_TEST(db.store_many({}).empty());
}

BOOST_AUTO_TEST_CASE(a_restart_keeps_rows_totals_and_duplicates) {
  BOOST_TEST(db.store(make_record("keep-1", A, "2025-01-15T10:00:00Z", "one")) == store_outcome::created);
  db.stop();
  db.start();
  BOOST_TEST(db.store(make_record("keep-1", "+447700900123", "2025-01-16T10:00:00Z", "two")) == store_outcome::duplicate);
  BOOST_TEST(db.store(make_record("keep-2")) == store_outcome::created);
  BOOST_TEST(row("keep-1").text.value_or("") == "one");
  BOOST_TEST(db.stats().total_messages == 2);
  BOOST_TEST(db.list(make_query(10, 0, std::nullopt, std::nullopt, "one")).total == 1);
}

BOOST_AUTO_TEST_CASE(store_and_health_are_counted_in_actor_metrics) {
  const double before = handled_count(db.metrics(), "storage");
  BOOST_TEST(before >= 1.0);
  BOOST_TEST(db.store(make_record("metric-1")) == store_outcome::created);
  BOOST_TEST(db.health().ready);
  BOOST_TEST(handled_count(db.metrics(), "storage") >= before + 2);
}

BOOST_AUTO_TEST_SUITE_END()
