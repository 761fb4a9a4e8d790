// The query side of the storage contract, through the storage seam and the
// typed interfaces only (support/storage_harness.hpp): every filter, order,
// page and total of GET /messages and every figure of GET /stats, checked
// against a plain C++ reference. Runs unchanged for every backend.
#define BOOST_TEST_MODULE test_query_contract
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <caf/send.hpp>

#include "messages/errors.hpp"
#include "support/storage_harness.hpp"

using namespace webhookd;
using namespace webhookd::test;

namespace {

const std::string A = "+919876543210";
const std::string B = "+447700900123";
const std::string C = "+14155550100";

// Crafted for ordering ties, LIKE metacharacters, case and Unicode; stored in
// this (deliberately unsorted) order.
std::vector<message_record> sample_messages() {
  return {
    record("m11", A, "2025-01-16T00:00:00Z", "emoji \xF0\x9F\x98\x80 and CJK \xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8\x96\xE7\x95\x8C"),
    record("m09", A, "2025-01-15T12:00:00Z", "backXslash"),
    record("m08", C, "2025-01-15T12:00:00Z", "back\\slash"),
    record("m03", A, "2025-01-15T09:30:00Z", "HELLO caps", B),
    record("m02", B, "2025-01-15T09:30:00Z", "hello again"),
    record("m07", A, "2025-01-15T11:00:00Z", "axb"),
    record("m06", B, "2025-01-15T11:00:00Z", "a_b"),
    record("m05", A, "2025-01-15T10:00:00Z", "1000 sure"),
    record("m04", C, "2025-01-15T10:00:00Z", "100% sure"),
    record("m10", B, "2025-01-14T23:59:59Z", std::nullopt),
    record("m01", A, "2025-01-15T09:00:00Z", "Hello world", C),
    record("m12", B, "2025-01-15T09:29:59Z", "cafe\xCC\x81 combining"),
  };
}

const std::vector<std::string> all_in_order = {"m10", "m01", "m12", "m02", "m03", "m04",
                                               "m05", "m06", "m07", "m08", "m09", "m11"};

struct sample_fixture {
  storage_harness db;
  std::vector<message_record> samples = sample_messages();

  sample_fixture() {
    db.start();
    db.store_all(samples);
  }

  // Asks the backend and checks ids, order, total and every field against
  // both the expectation and the reference.
  void check(const message_query& mq, const std::vector<std::string>& expected_ids, std::int64_t expected_total) {
    auto page = db.list(mq);
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

struct empty_fixture {
  storage_harness db;
  empty_fixture() { db.start(); }
};

// Compares `count` random queries with the reference over `rows`.
void compare_random_queries(storage_harness& db, const std::vector<message_record>& rows, std::mt19937& rng,
                            int count, const std::vector<std::string>& senders,
                            const std::vector<std::string>& needles, const std::vector<std::string>& sinces,
                            unsigned query_actors) {
  auto pick = [&](const auto& pool) { return pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng)]; };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  const auto n = static_cast<std::int64_t>(rows.size());
  int failures = 0;
  for (int i = 0; i < count && failures < 5; ++i) {
    message_query q;
    q.limit = chance(0.5) ? std::uniform_int_distribution<int>(1, 10)(rng) : 100;
    if (chance(0.4)) q.from = pick(senders);
    if (chance(0.4)) q.since = pick(sinces);
    if (chance(0.4)) q.q = pick(needles);
    const double where = std::uniform_real_distribution<double>(0, 1)(rng);
    if (where < 0.3)
      q.offset = std::uniform_int_distribution<std::int64_t>(0, 20)(rng);
    else if (where < 0.9)
      q.offset = std::uniform_int_distribution<std::int64_t>(0, n + 5)(rng);
    else
      q.offset = std::uniform_int_distribution<std::int64_t>(250, 270)(rng);  // around the walked/located edge
    auto page = db.list(q, static_cast<std::size_t>(i) % query_actors);
    auto [ref_ids, ref_total] = reference_answer(rows, q);
    const bool same = ids_of(page) == ref_ids && page.total == ref_total;
    if (!same) ++failures;
    BOOST_TEST(same, "from=" << q.from.value_or("-") << " since=" << q.since.value_or("-") << " q="
                             << q.q.value_or("-") << " limit=" << q.limit << " offset=" << q.offset << ": total "
                             << page.total << " vs " << ref_total << ", " << page.data.size() << " rows vs "
                             << ref_ids.size());
  }
}

// Rows over a few days with many to a second (groups of up to 40), texts from
// a small vocabulary with case, LIKE metacharacters, Unicode, empty and null
// texts; ts either random or rising (a live feed).
std::vector<message_record> random_rows(std::mt19937& rng, int count, bool rising, const std::string& prefix,
                                        const std::vector<std::string>& senders, int first_second = 0) {
  static const std::vector<std::string> words = {
    "hello", "Hello", "HELLO", "invoice", "order", "ok", "the", "a", "100%", "a_b", "back\\slash", "caf\xC3\xA9",
    "\xE4\xBD\xA0\xE5\xA5\xBD", "zebra", "quartz", "x", "Ok", "oK", "%", "_", "end"};
  std::vector<message_record> out;
  int second = first_second;
  for (int i = 0; i < count; ++i) {
    if (rising) {
      if (std::bernoulli_distribution(0.3)(rng)) second += std::uniform_int_distribution<int>(1, 4000)(rng);
    } else {
      // A tenth of the rows share 50 seconds; the rest spread over five days.
      second = std::bernoulli_distribution(0.1)(rng) ? std::uniform_int_distribution<int>(0, 49)(rng) * 7919
                                                     : std::uniform_int_distribution<int>(0, 5 * 86400)(rng);
    }
    char ts[32];
    const int day = second / 86400, in_day = second % 86400;
    std::snprintf(ts, sizeof ts, "2025-03-%02dT%02d:%02d:%02dZ", 1 + day % 28, in_day / 3600, in_day % 3600 / 60,
                  in_day % 60);
    std::optional<std::string> text;
    const double shape = std::uniform_real_distribution<double>(0, 1)(rng);
    if (shape < 0.05) {
      text = std::nullopt;
    } else if (shape < 0.08) {
      text = std::string{};
    } else {
      std::string t;
      const int n = std::uniform_int_distribution<int>(1, 8)(rng);
      for (int w = 0; w < n; ++w) {
        if (w) t += ' ';
        t += words[std::uniform_int_distribution<std::size_t>(0, words.size() - 1)(rng)];
      }
      text = std::move(t);
    }
    const auto& from = senders[std::min<std::size_t>(
      senders.size() - 1, static_cast<std::size_t>(std::exponential_distribution<double>(0.4)(rng)))];
    out.push_back(record(prefix + std::to_string(std::uniform_int_distribution<int>(0, 999999)(rng)) + "-" +
                           std::to_string(i),
                         from, ts, std::move(text)));
  }
  std::shuffle(out.begin(), out.end(), rng);  // stored out of order
  return out;
}

void random_reference_run(bool rising) {
  storage_harness db;
  db.start(2);
  std::mt19937 rng(rising ? 20261202 : 1202);
  std::vector<std::string> senders;
  for (int i = 0; i < 12; ++i) senders.push_back("+4477009000" + std::to_string(10 + i));
  auto rows = random_rows(rng, 3000, rising, "r", senders);
  for (std::size_t i = 0; i < rows.size(); i += 100) {
    std::vector<message_record> chunk(rows.begin() + static_cast<std::ptrdiff_t>(i),
                                      rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), i + 100)));
    for (auto outcome : db.store_many(std::move(chunk))) BOOST_REQUIRE_EQUAL(outcome, store_outcome::created);
  }
  std::vector<std::string> sinces;
  for (int i = 0; i < 40; ++i) sinces.push_back(rows[static_cast<std::size_t>(i * 37)].ts);
  sinces.push_back("2000-01-01T00:00:00Z");
  sinces.push_back("2099-01-01T00:00:00Z");
  sinces.push_back("2025-03-03T00:00:00Z");
  sinces.push_back("2025-03-02T12:59:59Z");
  const std::vector<std::string> needles = {"hello", "HELLO", "ell", "llo h", "invoice", "voic", "ok", "Ok", "o",
                                            "%", "_", "a_b", "\\", "100%", "caf\xC3\xA9", "\xC3\xA9",
                                            "\xE4\xBD\xA0", "zz", "nothing here", "e", " ", "the end", "hello hello"};
  std::vector<std::string> asked_senders = senders;
  asked_senders.push_back("+10000000000");
  compare_random_queries(db, rows, rng, 1500, asked_senders, needles, sinces, 2);
  // More rows, some into seconds that already have rows: the answers must
  // follow at once (remembered totals catch up, new rows not yet indexed).
  auto more = random_rows(rng, 400, rising, "s", senders, rising ? 200000 : 0);
  for (const auto& r : more) BOOST_REQUIRE_EQUAL(db.store(r), store_outcome::created);
  rows.insert(rows.end(), more.begin(), more.end());
  compare_random_queries(db, rows, rng, 800, asked_senders, needles, sinces, 2);
  // And once any background indexing has had time to finish.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  compare_random_queries(db, rows, rng, 800, asked_senders, needles, sinces, 2);
}

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
  std::vector<std::string> joined;
  for (std::int64_t offset = 0; offset < 12; offset += 5) {
    auto page = db.list(make_query(5, offset));
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
  check(make_query(10, std::numeric_limits<std::int64_t>::max()), {}, 12);
  check(make_query(10, std::numeric_limits<std::int64_t>::max(), A, "2025-01-01T00:00:00Z", "e"), {}, 4);
}

BOOST_FIXTURE_TEST_CASE(from_filter_alone, sample_fixture) {
  check(make_query(100, 0, A), {"m01", "m03", "m05", "m07", "m09", "m11"}, 6);
  check(make_query(100, 0, B), {"m10", "m12", "m02", "m06"}, 4);
  check(make_query(100, 0, C), {"m04", "m08"}, 2);
  check(make_query(100, 0, "+9198765432"), {}, 0);
  check(make_query(100, 0, "+10000000000"), {}, 0);
  check(make_query(100, 0, " 919876543210"), {}, 0);
}

BOOST_FIXTURE_TEST_CASE(since_filter_is_inclusive, sample_fixture) {
  check(make_query(100, 0, std::nullopt, "2025-01-15T10:00:00Z"), {"m04", "m05", "m06", "m07", "m08", "m09", "m11"}, 7);
  check(make_query(100, 0, std::nullopt, "2025-01-15T10:00:01Z"), {"m06", "m07", "m08", "m09", "m11"}, 5);
  check(make_query(100, 0, std::nullopt, "2025-01-15T09:59:59Z"), {"m04", "m05", "m06", "m07", "m08", "m09", "m11"}, 7);
  check(make_query(100, 0, std::nullopt, "2025-01-16T00:00:00Z"), {"m11"}, 1);
  check(make_query(100, 0, std::nullopt, "2025-01-16T00:00:01Z"), {}, 0);
  check(make_query(100, 0, std::nullopt, "2025-01-14T23:59:59Z"), all_in_order, 12);
  check(make_query(100, 0, std::nullopt, "2000-01-01T00:00:00Z"), all_in_order, 12);
  check(make_query(100, 0, std::nullopt, "0000-01-01T00:00:00Z"), all_in_order, 12);
  check(make_query(100, 0, std::nullopt, "9999-12-31T23:59:59Z"), {}, 0);
}

BOOST_FIXTURE_TEST_CASE(q_is_a_case_insensitive_substring, sample_fixture) {
  check(make_query(100, 0, std::nullopt, std::nullopt, "hello"), {"m01", "m02", "m03"}, 3);
  check(make_query(100, 0, std::nullopt, std::nullopt, "HELLO"), {"m01", "m02", "m03"}, 3);
  check(make_query(100, 0, std::nullopt, std::nullopt, "HeLLo"), {"m01", "m02", "m03"}, 3);
  check(make_query(100, 0, std::nullopt, std::nullopt, "llo wor"), {"m01"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "SURE"), {"m04", "m05"}, 2);
  check(make_query(100, 0, std::nullopt, std::nullopt, "nothing like this"), {}, 0);
  check(make_query(100, 0, std::nullopt, std::nullopt, "d"), {"m01", "m11"}, 2);  // a text's last byte (and "and")
  check(make_query(100, 0, std::nullopt, std::nullopt, "ld"), {"m01"}, 1);        // its last two
  check(make_query(100, 0, std::nullopt, std::nullopt, "Hello world"), {"m01"}, 1);  // the whole text
  check(make_query(100, 0, std::nullopt, std::nullopt, "Hello world!"), {}, 0);   // longer than it
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

BOOST_FIXTURE_TEST_CASE(q_backslash_and_quote_match_only_themselves, sample_fixture) {
  check(make_query(100, 0, std::nullopt, std::nullopt, "\\"), {"m08"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "k\\s"), {"m08"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "back\\slash"), {"m08"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "\\%"), {}, 0);
  check(make_query(100, 0, std::nullopt, std::nullopt, "kXs"), {"m09"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "\""), {}, 0);
  check(make_query(100, 0, std::nullopt, std::nullopt, "\"hello\" OR *"), {}, 0);
}

BOOST_FIXTURE_TEST_CASE(q_never_matches_null_text, sample_fixture) {
  for (const char* needle : {"a", " ", "e", "null"}) {
    auto mq = make_query(100, 0, std::nullopt, std::nullopt, std::string(needle));
    auto page = db.list(mq);
    auto ids = ids_of(page);
    BOOST_TEST(std::count(ids.begin(), ids.end(), "m10") == 0, "q=" << needle);
    auto [ref_ids, ref_total] = reference_answer(samples, mq);
    BOOST_TEST(ids == ref_ids, boost::test_tools::per_element());
    BOOST_TEST(page.total == ref_total);
  }
  auto page = db.list(make_query(100, 0, B));
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
  const std::vector<std::optional<std::string>> sinces = {std::nullopt, std::string("2025-01-15T09:30:00Z"),
                                                          std::string("2025-01-15T11:00:00Z"),
                                                          std::string("2030-01-01T00:00:00Z")};
  const std::vector<std::optional<std::string>> needles = {std::nullopt,        std::string("hello"),
                                                           std::string("%"),    std::string("_"),
                                                           std::string("\\"),   std::string("s"),
                                                           std::string("\xE4\xBD\xA0")};
  const std::vector<std::pair<int, std::int64_t>> windows = {{100, 0}, {1, 0}, {2, 1}, {3, 5}};
  int asked = 0;
  for (const auto& from : froms)
    for (const auto& since : sinces)
      for (const auto& needle : needles)
        for (const auto& [limit, offset] : windows) {
          auto mq = make_query(limit, offset, from, since, needle);
          auto page = db.list(mq);
          auto [ref_ids, ref_total] = reference_answer(samples, mq);
          BOOST_TEST_CONTEXT("from=" << from.value_or("-") << " since=" << since.value_or("-") << " q="
                                     << needle.value_or("-") << " limit=" << limit << " offset=" << offset) {
            BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
            BOOST_TEST(page.total == ref_total);
          }
          ++asked;
        }
  BOOST_TEST(asked == 5 * 4 * 7 * 4);
}

BOOST_FIXTURE_TEST_CASE(ties_on_ts_are_ordered_by_message_id, empty_fixture) {
  // Same ts for all, stored in an order that is neither ascending nor descending.
  const std::vector<std::string> ids = {"tie-c", "tie-a", "tie-e", "tie-b", "tie-d", "Tie-Z", "tie-10", "tie-1"};
  for (const auto& id : ids) BOOST_REQUIRE_EQUAL(db.store(record(id, A, "2025-02-01T00:00:00Z", "t")), store_outcome::created);
  BOOST_REQUIRE_EQUAL(db.store(record("aaa-later", A, "2025-02-01T00:00:01Z", "t")), store_outcome::created);
  BOOST_REQUIRE_EQUAL(db.store(record("zzz-earlier", A, "2025-01-31T23:59:59Z", "t")), store_outcome::created);
  const std::vector<std::string> expected = {"zzz-earlier", "Tie-Z", "tie-1", "tie-10", "tie-a",
                                             "tie-b", "tie-c", "tie-d", "tie-e", "aaa-later"};
  BOOST_TEST(ids_of(db.list(make_query())) == expected, boost::test_tools::per_element());
  // Every page boundary inside the tie, through every filter's way of paging.
  for (int limit = 1; limit <= 4; ++limit)
    for (std::int64_t offset = 0; offset < 10; ++offset) {
      std::vector<std::string> want(expected.begin() + offset,
                                    expected.begin() + std::min<std::int64_t>(10, offset + limit));
      BOOST_TEST(ids_of(db.list(make_query(limit, offset))) == want, boost::test_tools::per_element());
      BOOST_TEST(ids_of(db.list(make_query(limit, offset, A))) == want, boost::test_tools::per_element());
      BOOST_TEST(ids_of(db.list(make_query(limit, offset, std::nullopt, std::nullopt, "t"))) == want,
                 boost::test_tools::per_element());
    }
}

BOOST_FIXTURE_TEST_CASE(unicode_text_round_trips_byte_exact, empty_fixture) {
  const std::vector<std::string> texts = {
    "\xF0\x9F\x98\x80\xF0\x9F\x8E\x89 party",
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
    "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96\xE7\x95\x8C",
    "e\xCC\x81 n\xCC\x83 a\xCC\x8A",
    "\xC3\xA9 precomposed",
    "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xD8\xB3\xD9\x84\xD8\xA7\xD9\x85",
    "tab\tnewline\nquote\" backslash\\ end",
    "\xF0\x9D\x95\xB3\xF0\x9D\x96\x8A\xF0\x9D\x96\x91",
  };
  for (std::size_t i = 0; i < texts.size(); ++i)
    BOOST_REQUIRE_EQUAL(db.store(record("u" + std::to_string(i), A, "2025-03-01T00:00:0" + std::to_string(i) + "Z", texts[i])),
                        store_outcome::created);
  auto page = db.list(make_query());
  BOOST_REQUIRE_EQUAL(page.data.size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    BOOST_TEST(page.data[i].message_id == "u" + std::to_string(i));
    BOOST_REQUIRE(page.data[i].text.has_value());
    BOOST_TEST(*page.data[i].text == texts[i], "text " << i);
  }
  auto ids_for = [&](const std::string& needle) {
    return ids_of(db.list(make_query(100, 0, std::nullopt, std::nullopt, needle)));
  };
  BOOST_TEST(ids_for("\xE4\xB8\x96\xE7\x95\x8C") == std::vector<std::string>{"u2"}, boost::test_tools::per_element());
  BOOST_TEST(ids_for("\xF0\x9F\x98\x80") == std::vector<std::string>{"u0"}, boost::test_tools::per_element());
  BOOST_TEST(ids_for("e\xCC\x81") == std::vector<std::string>{"u3"}, boost::test_tools::per_element());
  // ASCII folding only: É does not find é.
  BOOST_TEST(ids_for("\xC3\x89").empty());
}

BOOST_FIXTURE_TEST_CASE(sample_unicode_rows_round_trip, sample_fixture) {
  check(make_query(100, 0, std::nullopt, std::nullopt, "\xF0\x9F\x98\x80"), {"m11"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "\xE4\xBD\xA0\xE5\xA5\xBD"), {"m11"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "cafe\xCC\x81"), {"m12"}, 1);
  check(make_query(100, 0, std::nullopt, std::nullopt, "CAFE"), {"m12"}, 1);
}

// A live feed fills an hour with thousands of rows: positions and `since`
// totals inside such an hour equal the reference, also after more rows join
// it (SQLite counts a busy hour's minutes once and keeps them while the hour
// keeps its count).
BOOST_FIXTURE_TEST_CASE(offsets_and_since_inside_a_busy_hour_match_the_reference, empty_fixture) {
  std::mt19937 rng{20261207};
  std::vector<message_record> rows;
  auto stamp = [](int second) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2025-03-01T%02d:%02d:%02dZ", second / 3600, second / 60 % 60, second % 60);
    return std::string{ts};
  };
  auto add = [&](int count, const std::string& prefix) {
    std::vector<message_record> batch;
    for (int i = 0; i < count; ++i) {
      // Mostly inside 10:00-11:00, a few seconds with many rows, some rows around it.
      int second = 10 * 3600 + std::uniform_int_distribution<int>(0, 3599)(rng);
      if (std::bernoulli_distribution(0.1)(rng)) second = 10 * 3600 + 60 * std::uniform_int_distribution<int>(0, 5)(rng);
      if (std::bernoulli_distribution(0.05)(rng)) second = std::uniform_int_distribution<int>(0, 86399)(rng);
      batch.push_back(record(prefix + std::to_string(i), A, stamp(second), "busy"));
    }
    for (std::size_t at = 0; at < batch.size(); at += 1000) {
      std::vector<message_record> part(batch.begin() + static_cast<std::ptrdiff_t>(at),
                                       batch.begin() + static_cast<std::ptrdiff_t>(std::min(batch.size(), at + 1000)));
      for (auto outcome : db.store_many(part)) BOOST_REQUIRE(outcome == store_outcome::created);
    }
    rows.insert(rows.end(), batch.begin(), batch.end());
  };
  auto compare = [&](int queries) {
    const auto n = static_cast<std::int64_t>(rows.size());
    int failures = 0;
    for (int i = 0; i < queries && failures < 5; ++i) {
      message_query q;
      q.limit = std::uniform_int_distribution<int>(1, 100)(rng);
      if (i % 2 == 1) q.since = stamp(10 * 3600 + std::uniform_int_distribution<int>(-60, 3660)(rng));
      q.offset = std::uniform_int_distribution<std::int64_t>(0, n)(rng);
      if (q.since && i % 4 == 1) q.offset = std::uniform_int_distribution<std::int64_t>(0, 50)(rng);
      auto page = db.list(q);
      auto [ref_ids, ref_total] = reference_answer(rows, q);
      const bool same = ids_of(page) == ref_ids && page.total == ref_total;
      if (!same) ++failures;
      BOOST_TEST(same, "since=" << q.since.value_or("-") << " limit=" << q.limit << " offset=" << q.offset
                                << ": total " << page.total << " vs " << ref_total);
    }
  };
  add(6000, "busy-a-");
  compare(400);
  add(700, "busy-b-");  // the busy hour gains rows: its minutes are counted again
  compare(400);
}

BOOST_AUTO_TEST_CASE(thousands_of_random_queries_match_the_reference_with_random_ts) { random_reference_run(false); }

BOOST_AUTO_TEST_CASE(thousands_of_random_queries_match_the_reference_with_rising_ts) { random_reference_run(true); }

BOOST_FIXTURE_TEST_CASE(a_rare_short_needle_among_many_rows_is_found_exactly, empty_fixture) {
  // Far more rows than any walk in ts order would look at, and the needle in
  // three of them only: at the start, in the middle, at the very end of a text.
  std::vector<message_record> rows;
  for (int i = 0; i < 6000; ++i) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2025-04-%02dT%02d:%02d:%02dZ", 1 + i / 3600 % 28, i / 60 % 24, i % 60, i % 60);
    std::string text = i == 900 ? "zq first" : i == 3000 ? "in zq middle" : i == 5999 ? "ends with zq" : "plain words";
    rows.push_back(record("rare-" + std::to_string(i), i % 2 ? A : B, ts, text));
  }
  for (std::size_t i = 0; i < rows.size(); i += 500) {
    std::vector<message_record> chunk(rows.begin() + static_cast<std::ptrdiff_t>(i), rows.begin() + static_cast<std::ptrdiff_t>(i + 500));
    db.store_many(std::move(chunk));
  }
  for (int round = 0; round < 2; ++round) {
    for (const std::string needle : {"zq", "ZQ", "z", "q"}) {
      for (const auto& mq : {make_query(100, 0, std::nullopt, std::nullopt, needle),
                             make_query(1, 2, std::nullopt, std::nullopt, needle),
                             make_query(100, 0, A, std::nullopt, needle)}) {
        auto page = db.list(mq);
        auto [ref_ids, ref_total] = reference_answer(rows, mq);
        BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
        BOOST_TEST(page.total == ref_total, "q=" << needle);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // then once more, indexed
  }
}

BOOST_FIXTURE_TEST_CASE(pages_near_the_remembered_first_matches_edge_follow_every_arrival, empty_fixture) {
  // Seconds of 7 rows each, stored in descending message_id order, so that the
  // first ~256 matches of a search end inside a second whose rows the page
  // must sort; then rows arrive into those early seconds and after them. Every
  // page around that edge, asked twice (counted, then remembered), must equal
  // the reference after each arrival.
  std::vector<message_record> rows;
  auto add_second = [&](int second, const std::string& prefix, int count) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2025-05-01T%02d:%02d:%02dZ", second / 3600, second / 60 % 60, second % 60);
    std::vector<message_record> chunk;
    for (int i = count - 1; i >= 0; --i)
      chunk.push_back(record(prefix + std::to_string(second) + "-" + std::to_string(i), i % 2 ? A : B, ts,
                             i < 3 ? "zeta alpha" : i % 3 ? "alpha beta" : "alpha"));
    rows.insert(rows.end(), chunk.begin(), chunk.end());
    db.store_many(std::move(chunk));
  };
  // 3 of each second's 7 rows hold "zeta": sparse enough that its pages near
  // rank 256 come from the first matches, not from a walk of the rows.
  for (int second = 0; second < 400; ++second) add_second(second * 10, "m", 7);
  const std::vector<std::pair<std::int64_t, int>> pages = {{0, 100}, {240, 16}, {250, 6}, {251, 5}, {245, 10},
                                                          {200, 56}, {252, 5}, {300, 20}, {400, 100}};
  auto compare_all = [&](const std::string& when) {
    for (const std::string needle : {"alpha", "beta", "ALPHA B", "ZETA"}) {
      for (int asked = 0; asked < 2; ++asked) {
        for (auto [offset, limit] : pages) {
          auto mq = make_query(limit, offset, std::nullopt, std::nullopt, needle);
          auto page = db.list(mq);
          auto [ref_ids, ref_total] = reference_answer(rows, mq);
          BOOST_TEST(ids_of(page) == ref_ids, when << ": q=" << needle << " offset=" << offset << " limit=" << limit);
          BOOST_TEST(page.total == ref_total, when << ": q=" << needle);
        }
      }
    }
  };
  compare_all("stored");
  add_second(10, "early", 3);    // inside the first matches
  add_second(360, "edge", 4);    // about where alpha's end
  add_second(850, "edge", 5);    // about where zeta's end
  add_second(50000, "late", 5);  // after them
  compare_all("after arrivals");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // and once the index holds them
  add_second(20, "again", 2);
  compare_all("indexed, then one more arrival");
}

BOOST_FIXTURE_TEST_CASE(a_burst_of_messages_with_one_ts_pages_in_message_id_order, empty_fixture) {
  // 700 messages in one second (more than any reader sorts itself), arriving
  // in random message_id order, among neighbours one second before and after;
  // three senders and two texts so that every filter cuts through the burst.
  std::mt19937 rng(99);
  std::vector<message_record> rows;
  for (int i = 0; i < 700; ++i)
    rows.push_back(record("burst-" + std::to_string(std::uniform_int_distribution<int>(0, 1 << 30)(rng)) + "-" +
                            std::to_string(i),
                          i % 3 == 0 ? A : i % 3 == 1 ? B : C, "2025-07-01T12:00:00Z", i % 4 ? "busy" : "quiet"));
  for (int i = 0; i < 50; ++i) {
    rows.push_back(record("before-" + std::to_string(i), A, "2025-07-01T11:59:59Z", "busy"));
    rows.push_back(record("after-" + std::to_string(i), B, "2025-07-01T12:00:01Z", "quiet"));
  }
  std::shuffle(rows.begin(), rows.end(), rng);
  for (std::size_t i = 0; i < rows.size(); i += 80) {
    std::vector<message_record> chunk(rows.begin() + static_cast<std::ptrdiff_t>(i),
                                      rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), i + 80)));
    db.store_many(std::move(chunk));
  }
  const std::vector<std::optional<std::string>> froms = {std::nullopt, A, C};
  const std::vector<std::optional<std::string>> sinces = {std::nullopt, std::string("2025-07-01T12:00:00Z")};
  const std::vector<std::optional<std::string>> needles = {std::nullopt, std::string("quiet"), std::string("u")};
  for (const auto& from : froms)
    for (const auto& since : sinces)
      for (const auto& needle : needles)
        for (std::int64_t offset : {0, 1, 49, 50, 63, 64, 200, 255, 256, 257, 400, 699, 749, 790, 800})
          for (int limit : {1, 7, 100}) {
            auto mq = make_query(limit, offset, from, since, needle);
            auto page = db.list(mq);
            auto [ref_ids, ref_total] = reference_answer(rows, mq);
            BOOST_TEST_CONTEXT("from=" << from.value_or("-") << " since=" << since.value_or("-")
                                       << " q=" << needle.value_or("-") << " limit=" << limit << " offset=" << offset) {
              BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
              BOOST_TEST(page.total == ref_total);
            }
          }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(statistics)

BOOST_FIXTURE_TEST_CASE(empty_database_gives_zeros_and_null_timestamps, empty_fixture) {
  auto s = db.stats();
  BOOST_TEST(s.total_messages == 0);
  BOOST_TEST(s.senders_count == 0);
  BOOST_TEST(s.messages_per_sender.empty());
  BOOST_TEST(!s.first_message_ts.has_value());
  BOOST_TEST(!s.last_message_ts.has_value());
  auto page = db.list(make_query());
  BOOST_TEST(page.data.empty());
  BOOST_TEST(page.total == 0);
  auto filtered = db.list(make_query(10, 0, A, "2025-01-01T00:00:00Z", "x"));
  BOOST_TEST(filtered.data.empty());
  BOOST_TEST(filtered.total == 0);
  BOOST_TEST(db.list(make_query(10, 500)).total == 0);
}

BOOST_FIXTURE_TEST_CASE(top_ten_senders_with_ties_broken_by_from, empty_fixture) {
  // 12 senders; the counts tie at 3, at 2 and at 1, and the tie at 1 straddles
  // the top-10 cut: only the smallest `from` of the three makes it.
  const std::vector<std::pair<std::string, int>> counts = {
    {"+14150000012", 4}, {"+14150000011", 1}, {"+14150000009", 1}, {"+14150000003", 3},
    {"+14150000001", 3}, {"+14150000002", 7}, {"+14150000004", 1}, {"+14150000005", 5},
    {"+14150000010", 2}, {"+14150000007", 2}, {"+14150000006", 2}, {"+14150000008", 9},
  };
  int n = 0;
  for (const auto& [from, count] : counts)
    for (int i = 0; i < count; ++i, ++n) {
      char ts[32];
      std::snprintf(ts, sizeof ts, "2025-01-%02dT%02d:%02d:00Z", 2 + n % 27, n % 24, (n * 7) % 60);
      BOOST_REQUIRE_EQUAL(db.store(record("s-" + std::to_string(n), from, ts, "x")), store_outcome::created);
    }
  BOOST_REQUIRE_EQUAL(db.store(record("s-first", "+14150000006", "2024-12-31T23:59:59Z", "x")), store_outcome::created);
  BOOST_REQUIRE_EQUAL(db.store(record("s-last", "+14150000006", "2025-03-01T00:00:00Z", std::nullopt)),
                      store_outcome::created);
  BOOST_REQUIRE_EQUAL(db.store(record("s-0", "+14150000011", "2025-05-05T00:00:00Z", "x")), store_outcome::duplicate);
  auto s = db.stats();
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
  BOOST_TEST(db.list(make_query(1, 0)).total == 42);
  BOOST_TEST(db.list(make_query(1, 0, std::string("+14150000008"))).total == 9);
  BOOST_TEST(db.list(make_query(1, 0, std::string("+14150000006"))).total == 4);
}

BOOST_FIXTURE_TEST_CASE(the_top_ten_follow_senders_that_climb_past_others, empty_fixture) {
  // Thirty senders, each batch moving different ones up; after every batch
  // the top ten must equal the ranking of all counts.
  std::mt19937 rng(7);
  std::map<std::string, std::int64_t> counts;
  int n = 0;
  for (int batch = 0; batch < 40; ++batch) {
    std::vector<message_record> records;
    const int size = std::uniform_int_distribution<int>(1, 30)(rng);
    for (int i = 0; i < size; ++i, ++n) {
      const std::string from = "+1555000" + std::to_string(1000 + std::uniform_int_distribution<int>(0, 29)(rng));
      records.push_back(record("climb-" + std::to_string(n), from, "2025-06-01T00:00:00Z", "x"));
      ++counts[from];
    }
    db.store_many(std::move(records));
    std::vector<std::pair<std::string, std::int64_t>> ranked(counts.begin(), counts.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    ranked.resize(std::min<std::size_t>(10, ranked.size()));
    auto s = db.stats();
    BOOST_REQUIRE_EQUAL(s.messages_per_sender.size(), ranked.size());
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      BOOST_TEST(s.messages_per_sender[i].from == ranked[i].first, "batch " << batch << " rank " << i);
      BOOST_TEST(s.messages_per_sender[i].count == ranked[i].second, "batch " << batch << " rank " << i);
    }
    BOOST_TEST(s.senders_count == static_cast<std::int64_t>(counts.size()));
  }
}

BOOST_FIXTURE_TEST_CASE(stats_over_the_sample_messages, sample_fixture) {
  auto s = db.stats();
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

BOOST_FIXTURE_TEST_CASE(reads_during_writes_see_consistent_snapshots, empty_fixture) {
  constexpr int count = 400;
  using handle_t = decltype(db.self()->request(db.storage(), reply_timeout, store_atom::value, record("", A, "", "")));
  std::vector<handle_t> handles;
  for (int i = 0; i < count; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "w-%03d", i);
    handles.push_back(db.self()->request(db.storage(), reply_timeout, store_atom::value,
                                         record(id, i % 2 ? A : B, "2025-01-15T10:00:00Z", "w")));
  }
  std::int64_t last_total = 0;
  for (int round = 0; round < 30; ++round) {
    auto page = db.list(make_query(100, 0));
    BOOST_TEST(page.total >= last_total);
    BOOST_TEST(static_cast<std::int64_t>(page.data.size()) == std::min<std::int64_t>(100, page.total));
    auto s = db.stats();
    BOOST_TEST(s.total_messages >= page.total);
    std::int64_t per_sender = 0;
    for (auto& sc : s.messages_per_sender) per_sender += sc.count;
    BOOST_TEST(per_sender == s.total_messages);
    last_total = page.total;
  }
  int created = 0;
  for (auto& h : handles) h.receive([&](store_outcome o) { created += o == store_outcome::created; }, [&](caf::error&) {});
  BOOST_TEST(created == count);
  BOOST_TEST(db.list(make_query(100, 0, A)).total == count / 2);
  BOOST_TEST(db.list(make_query(100, 0, std::nullopt, std::nullopt, "w")).total == count);
  BOOST_TEST(db.stats().total_messages == count);
}

BOOST_FIXTURE_TEST_CASE(a_read_past_its_deadline_is_not_run, sample_fixture) {
  auto mq = make_query();
  mq.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  auto [page, err] = db.try_list(mq);
  BOOST_TEST(!page.has_value());
  BOOST_TEST(is_error(err, webhookd_errc::query_interrupted), db.system().render(err));
  // The actor goes on answering.
  check(make_query(2, 0), {"m10", "m01"}, 12);
}

BOOST_AUTO_TEST_SUITE_END()
