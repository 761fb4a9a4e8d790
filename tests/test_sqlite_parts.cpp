// The pure pieces of the SQLite backend, one by one: row keys, the exact top
// ten, page assembly from groups of one second, the text tokenizer against a
// plain substring search (the q rule of core/text_match.hpp), and a query
// actor's recent arrivals against the arrival log read afresh, and the
// eviction of the remembered counts.
#define BOOST_TEST_MODULE test_sqlite_parts
#include <boost/test/unit_test.hpp>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <filesystem>

#include "actors/storage/sqlite/arrival_cache.hpp"
#include "actors/storage/sqlite/batch_writer.hpp"
#include "actors/storage/sqlite/connection.hpp"
#include "actors/storage/sqlite/costed_map.hpp"
#include "actors/storage/sqlite/ordered_page.hpp"
#include "actors/storage/sqlite/read_statements.hpp"
#include "actors/storage/sqlite/schema.hpp"
#include "actors/storage/sqlite/row_key.hpp"
#include "actors/storage/sqlite/row_streams.hpp"
#include "actors/storage/sqlite/text_index.hpp"
#include "actors/storage/sqlite/text_windows.hpp"
#include "actors/storage/sqlite/top_senders.hpp"
#include "core/message_page_json.hpp"
#include "core/text_match.hpp"

using namespace webhookd;
using namespace webhookd::sqlite;

namespace {

std::string ascii_lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool plain_contains(const std::string& text, const std::string& needle) {
  return ascii_lower(text).find(ascii_lower(needle)) != std::string::npos;
}

std::string canonical(std::int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char out[32];
  strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

// A database file of the current schema in a directory of its own (removed
// at the end), written through the storage actor's batch writer.
struct scratch_database {
  std::filesystem::path dir;
  std::string path;
  connection writer;
  batch_writer batches;

  explicit scratch_database(const std::string& name)
    : dir(std::filesystem::temp_directory_path() / ("webhookd-" + name + "-" + std::to_string(::getpid()))),
      path(make_dir(dir) / (name + ".db")),
      writer(path, connection::mode::read_write_create),
      batches(migrated(writer)) {}
  ~scratch_database() { std::filesystem::remove_all(dir); }

  // Stores `records` in one transaction.
  void store(const std::vector<message_record>& records) {
    std::vector<const message_record*> batch;
    for (const auto& r : records) batch.push_back(&r);
    writer.exec("BEGIN");
    batches.write(batch, "2025-01-01T00:00:00Z");
    writer.exec("COMMIT");
  }

 private:
  static std::filesystem::path make_dir(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    return dir;
  }
  static connection& migrated(connection& db) {
    db.exec("PRAGMA journal_mode = WAL");
    register_schema_functions(db);
    migrate_schema(db);
    return db;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(row_keys)

BOOST_AUTO_TEST_CASE(seconds_follow_the_calendar_and_the_string_order) {
  // 0000-01-01 is second 0; 1970-01-01 is 719,528 days later.
  BOOST_TEST(second_of("0000-01-01T00:00:00Z") == 0);
  BOOST_TEST(second_of("0000-01-01T00:00:01Z") == 1);
  BOOST_TEST(second_of("1970-01-01T00:00:00Z") == 719528LL * 86400);
  BOOST_TEST(second_of("0000-03-01T00:00:00Z") == 60LL * 86400);  // year 0 is a leap year
  BOOST_TEST(first_rowid(second_of("9999-12-31T23:59:59Z") + 1) > 0);  // no overflow at the end
  std::mt19937_64 rng(3);
  std::vector<std::string> stamps;
  for (int i = 0; i < 20000; ++i) {
    // From 1900 to 2300, where gmtime agrees.
    const std::int64_t unix_seconds = std::uniform_int_distribution<std::int64_t>(-2208988800LL, 10413792000LL)(rng);
    const std::string ts = canonical(unix_seconds);
    BOOST_REQUIRE_EQUAL(second_of(ts), unix_seconds + 719528LL * 86400);
    stamps.push_back(ts);
  }
  std::sort(stamps.begin(), stamps.end());
  for (std::size_t i = 1; i < stamps.size(); ++i) BOOST_REQUIRE(second_of(stamps[i - 1]) <= second_of(stamps[i]));
  // ts_of_second is second_of's inverse, without the zone.
  for (const auto& ts : stamps) BOOST_REQUIRE_EQUAL(ts_of_second(second_of(ts)), ts.substr(0, 19));
  BOOST_TEST(ts_of_second(0) == "0000-01-01T00:00:00");
  BOOST_TEST(ts_of_second(second_of("9999-12-31T23:59:59Z")) == "9999-12-31T23:59:59");
  BOOST_TEST(ts_of_second(second_of("2024-02-29T23:59:59Z")) == "2024-02-29T23:59:59");
  BOOST_TEST(least_ts_of_rowid(0) == "");
  BOOST_TEST(least_ts_of_rowid(first_rowid(second_of("9999-12-31T23:59:59Z") + 1)) == "~");
  BOOST_TEST(least_ts_of_rowid(first_rowid(second_of("2025-01-15T10:00:00Z")) + 5) == "2025-01-15T10:00:00");
}

BOOST_AUTO_TEST_CASE(what_is_not_a_canonical_time_counts_as_second_zero) {
  for (const char* bad : {"", "garbage", "2025-02-30T10:00:00Z", "2025-13-01T00:00:00Z", "2025-01-15T24:00:00Z",
                          "2025-01-15T10:60:00Z", "2025-01-15", "2025/01/15T10:00:00Z", "20x5-01-15T10:00:00Z"})
    BOOST_TEST(second_of(bad) == 0, bad);
  // What follows the first 19 characters does not matter.
  BOOST_TEST(second_of("2025-01-15T10:00:00+05:30") == second_of("2025-01-15T10:00:00Z"));
  BOOST_TEST(second_of("2024-02-29T00:00:00Z") > 0);
  // Another separator than T: its first 19 characters would not sort as the seconds do.
  BOOST_TEST(second_of("2025-01-15 10:00:00Z") == 0);
  BOOST_TEST(second_of("2025-01-15t10:00:00Z") == 0);
}

BOOST_AUTO_TEST_CASE(days_and_hours_are_runs_of_rowids) {
  const std::int64_t s = second_of("2025-01-15T13:45:10Z");
  BOOST_TEST(hour_of(s) == 13);
  BOOST_TEST(day_of(s) == day_of(second_of("2025-01-15T00:00:00Z")));
  BOOST_TEST(day_of(s) + 1 == day_of(second_of("2025-01-16T00:00:00Z")));
  BOOST_TEST(second_of_rowid(first_rowid(s) + sequences_per_second - 1) == s);
  BOOST_TEST(second_of_rowid(first_rowid(s + 1)) == s + 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(the_top_ten_equal_a_full_ranking_after_every_offer) {
  std::mt19937 rng(11);
  for (int round = 0; round < 30; ++round) {
    top_senders top;
    std::map<std::string, std::int64_t> counts;
    for (int step = 0; step < 400; ++step) {
      const std::string from = "+1" + std::to_string(std::uniform_int_distribution<int>(0, 24)(rng));
      const std::int64_t count = counts[from] += std::uniform_int_distribution<int>(1, 3)(rng);
      top.offer(from, count);
      std::vector<std::pair<std::string, std::int64_t>> ranked(counts.begin(), counts.end());
      std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return std::tie(b.second, a.first) < std::tie(a.second, b.first);
      });
      ranked.resize(std::min<std::size_t>(top_senders::size, ranked.size()));
      BOOST_REQUIRE_EQUAL(top.ranked().size(), ranked.size());
      for (std::size_t i = 0; i < ranked.size(); ++i) {
        BOOST_REQUIRE_EQUAL(top.ranked()[i].from, ranked[i].first);
        BOOST_REQUIRE_EQUAL(top.ranked()[i].count, ranked[i].second);
      }
    }
  }
  // The same count again changes nothing.
  top_senders top;
  BOOST_TEST(top.offer("+1", 3));
  BOOST_TEST(!top.offer("+1", 3));
}

BOOST_AUTO_TEST_CASE(pages_sort_each_second_by_ts_then_message_id_and_skip_across_groups) {
  // (second, message_id, ts) in rowid order: the second 5 holds four rows,
  // arrived unsorted and with one ts another tool wrote with a zone.
  struct input {
    std::int64_t second;
    std::string id, ts;
  };
  const std::vector<input> rows = {
    {4, "d", "2025-01-01T00:00:04Z"}, {5, "z", "2025-01-01T00:00:05Z"}, {5, "b", "2025-01-01T00:00:05Z"},
    {5, "a", "2025-01-01T00:00:05+01:00"}, {5, "c", "2025-01-01T00:00:05Z"}, {6, "y", "2025-01-01T00:00:06Z"},
    {7, "x", "2025-01-01T00:00:07Z"}};
  const std::vector<std::string> order = {"d", "a", "b", "c", "z", "y", "x"};
  for (std::int64_t skip = 0; skip <= 7; ++skip)
    for (std::int64_t limit = 1; limit <= 7; ++limit) {
      message_page_json out;
      ordered_page page{out, skip, limit};
      std::size_t offered = 0;
      for (const auto& r : rows) {
        ++offered;
        if (page.add(row_view{first_rowid(r.second), r.id, "+1", "+2", r.ts, std::string_view{"t"}}) == page_step::complete)
          break;
      }
      if (offered == rows.size()) page.finish();
      std::vector<std::string> expected(order.begin() + std::min<std::int64_t>(skip, 7),
                                        order.begin() + std::min<std::int64_t>(skip + limit, 7));
      const std::string body = out.finish(0, static_cast<int>(limit), skip);
      std::vector<std::string> got;
      for (std::size_t at = body.find("\"message_id\":\""); at != std::string::npos;
           at = body.find("\"message_id\":\"", at + 1))
        got.push_back(body.substr(at + 14, 1));
      BOOST_TEST(got == expected, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(the_folded_needle_is_the_plain_substring_rule) {
  std::mt19937 rng(17);
  const char raw[] = "aAbB%_\\\"\0\xC3\xA9 zZ";
  const std::string alphabet(raw, sizeof raw - 1);  // with its NUL
  auto random_text = [&](int longest) {
    std::string s;
    const int n = std::uniform_int_distribution<int>(0, longest)(rng);
    for (int i = 0; i < n; ++i) s.push_back(alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)]);
    return s;
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string needle = random_text(4), text = random_text(30);
    folded_needle folded{needle};
    BOOST_REQUIRE_EQUAL(folded.found_in(text), plain_contains(text, needle));
  }
}

// An FTS5 table with webhookd's tokenizer answers every needle it serves (1
// byte to whole texts, quotes, UTF-8, FTS5's own syntax; not NUL) exactly as
// the plain rule does, on texts of every length from empty to 40 bytes, NUL
// bytes among them.
BOOST_AUTO_TEST_CASE(the_text_index_finds_exactly_the_substring_matches) {
  sqlite::connection db{":memory:", sqlite::connection::mode::read_write_create};
  register_text_tokenizer(db.handle());
  db.exec("CREATE VIRTUAL TABLE message_text USING fts5(text, content='', tokenize='webhookd_text', detail='full')");
  std::mt19937 rng(23);
  const std::vector<std::string> pieces = {"a", "A", "b", "ab", "Ab", "%", "_", "\\", "\"", "*", " ", "OR", "NEAR",
                                           "\xC3\xA9", "\xC3\x89", "\xE4\xBD\xA0", std::string(1, '\0'), "x", "(", ")"};
  std::vector<std::string> texts;
  auto insert = db.prepare("INSERT INTO message_text (rowid, text) VALUES (?1, ?2)");
  for (int i = 0; i < 600; ++i) {
    std::string t;
    const int n = std::uniform_int_distribution<int>(0, 14)(rng);
    for (int k = 0; k < n; ++k) t += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
    texts.push_back(t);
    insert.bind(1, static_cast<std::int64_t>(i + 1));
    insert.bind(2, std::string_view{t});
    insert.step();
    insert.reset();
  }
  auto matching = db.prepare("SELECT rowid FROM message_text WHERE message_text MATCH ?1 ORDER BY rowid");
  // Searches run window by window (text_windows.hpp): FTS5 must apply both bounds.
  auto in_window = db.prepare("SELECT rowid FROM message_text WHERE message_text MATCH ?1 "
                              "AND rowid >= ?2 AND rowid <= ?3 ORDER BY rowid");
  for (int i = 0; i < 3000; ++i) {
    std::string needle;
    if (i % 5 == 0) {
      needle = texts[std::uniform_int_distribution<std::size_t>(0, texts.size() - 1)(rng)];  // a whole text
    } else {
      const int n = std::uniform_int_distribution<int>(1, 4)(rng);
      for (int k = 0; k < n; ++k) needle += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
    }
    if (!text_index_serves(needle)) {
      BOOST_TEST((needle.empty() || needle.find('\0') != std::string::npos));  // searched row by row instead
      continue;
    }
    std::vector<std::int64_t> expected, got;
    for (std::size_t r = 0; r < texts.size(); ++r)
      if (plain_contains(texts[r], needle)) expected.push_back(static_cast<std::int64_t>(r + 1));
    matching.bind(1, std::string_view{text_match_expression(needle)});
    while (matching.step()) got.push_back(matching.column_int(0));
    matching.reset();
    BOOST_REQUIRE_MESSAGE(got == expected, "needle of " << needle.size() << " bytes: " << got.size() << " found, "
                                                        << expected.size() << " expected");
    const auto split = std::uniform_int_distribution<std::int64_t>(1, static_cast<std::int64_t>(texts.size()))(rng);
    std::vector<std::int64_t> windowed;
    for (auto [first, last] : {std::pair<std::int64_t, std::int64_t>{1, split - 1},
                               {split, static_cast<std::int64_t>(texts.size())}}) {
      in_window.bind(1, std::string_view{text_match_expression(needle)});
      in_window.bind(2, first);
      in_window.bind(3, last);
      while (in_window.step()) windowed.push_back(in_window.column_int(0));
      in_window.reset();
    }
    BOOST_REQUIRE(windowed == expected);
  }
}

BOOST_AUTO_TEST_SUITE(text_windows)

// The windows of `range` from its start, checked to follow each other with
// neither gap nor overlap and to end at its end.
std::vector<rowid_range> all_windows(rowid_windows& windows, rowid_range range) {
  std::vector<rowid_range> seen;
  while (auto w = windows.next()) {
    BOOST_REQUIRE(w->first <= w->last);
    BOOST_REQUIRE(w->first == (seen.empty() ? range.first : seen.back().last + 1));
    seen.push_back(*w);
    BOOST_REQUIRE(seen.size() < 10000);
  }
  if (!range.empty()) BOOST_TEST(seen.back().last == range.last);
  return seen;
}

BOOST_AUTO_TEST_CASE(windows_cover_a_range_once_in_order) {
  const std::int64_t year_2025 = first_rowid(second_of("2025-01-01T00:00:00Z"));
  const std::int64_t year_2026 = first_rowid(second_of("2026-01-01T00:00:00Z"));
  for (const rowid_range range : {rowid_range{5, 5}, rowid_range{0, 1000000}, rowid_range{year_2025, year_2026},
                                  rowid_range{0, std::numeric_limits<std::int64_t>::max()},
                                  rowid_range{std::numeric_limits<std::int64_t>::max() - 3,
                                              std::numeric_limits<std::int64_t>::max()}}) {
    rowid_windows windows{range};
    const auto seen = all_windows(windows, range);
    BOOST_TEST(!seen.empty());
    BOOST_TEST(!windows.next());  // and stays done
  }
  rowid_windows none{rowid_range{}};
  BOOST_TEST(!none.next());
}

BOOST_AUTO_TEST_CASE(a_restart_resumes_at_its_rowid_and_a_slow_window_halves_the_next) {
  const std::int64_t start = first_rowid(second_of("2025-01-01T00:00:00Z"));
  const rowid_range range{start, start + first_rowid(86400 * 365)};
  rowid_windows windows{range};
  auto first = windows.next();
  BOOST_REQUIRE(first);
  const std::int64_t width = first->last - first->first + 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(36));  // three times the 12 ms a window should take
  auto second = windows.next();
  BOOST_REQUIRE(second);
  BOOST_TEST(second->last - second->first + 1 == width / 2);
  const std::int64_t middle = start + first_rowid(86400 * 200);
  windows.restart_at(middle);
  auto resumed = windows.next();
  BOOST_REQUIRE(resumed);
  BOOST_TEST(resumed->first == middle);
  BOOST_TEST(resumed->last - resumed->first + 1 == width);  // the first width again
  windows.restart_at(0);  // before the range: its start
  BOOST_TEST(windows.next()->first == start);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(recent_arrivals)

// Every visit of a small arrival cache, between batches of new rows, yields
// exactly the log's rows of that range in arrival order: ranges at the end
// and behind it, wider than the cache, and another database's rows never.
BOOST_AUTO_TEST_CASE(visits_equal_the_arrival_log_read_afresh) {
  scratch_database file{"arrivals"};
  connection reader{file.path, connection::mode::read_only};
  read_statements sql{reader};
  arrival_cache cache{16};
  std::mt19937 rng(7);
  std::int64_t stored = 0;
  auto store = [&](int count) {
    std::vector<message_record> records;
    for (int i = 0; i < count; ++i, ++stored)
      records.push_back(message_record{"a-" + std::to_string(stored), "+1555000" + std::to_string(stored % 3), "+2",
                                       canonical(1735689600 + std::uniform_int_distribution<int>(0, 500)(rng)),
                                       "text " + std::to_string(stored)});
    file.store(records);
  };
  // The reference: the ids in (after, upto], in arrival order.
  auto logged = [&](std::int64_t after, std::int64_t upto) {
    std::vector<std::string> ids;
    auto stmt = reader.prepare("SELECT m.message_id FROM ingest_log l JOIN messages m ON m.rowid = l.message_rowid "
                               "WHERE l.seq > ?1 AND l.seq <= ?2 ORDER BY l.seq");
    stmt.bind(1, after);
    stmt.bind(2, upto);
    while (stmt.step()) ids.push_back(stmt.column_text(0));
    return ids;
  };
  int visits = 0;
  for (int round = 0; round < 60; ++round) {
    store(std::uniform_int_distribution<int>(0, 7)(rng));
    for (int i = 0; i < 4; ++i) {
      const std::int64_t upto = stored - std::uniform_int_distribution<std::int64_t>(0, std::min<std::int64_t>(stored, 3))(rng);
      const std::int64_t after = std::max<std::int64_t>(0, upto - std::uniform_int_distribution<std::int64_t>(0, 24)(rng));
      const std::string database = round == 30 && i == 0 ? "other" : "this";
      reader.exec("BEGIN");
      std::vector<std::string> seen;
      cache.visit(sql, database, after, upto, [&](const row_view& row) { seen.push_back(std::string{row.message_id}); });
      const auto expected = logged(after, upto);
      reader.exec("COMMIT");
      BOOST_TEST(seen == expected, boost::test_tools::per_element());
      BOOST_TEST(cache.size() <= 16u);
      ++visits;
    }
  }
  BOOST_TEST(visits == 240);
  BOOST_TEST(stored > 100);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sender_streams)

// A sender's rows come from the index of its whole rows, in page order, and
// its keys in rowid order (seconds sorted; a burst of 100 read from the
// table's rowid range): both equal SQL over the table from any start, and an
// ended key stream stays ended (its statement would start over).
BOOST_AUTO_TEST_CASE(a_senders_rows_and_keys_equal_sql_from_any_start) {
  scratch_database file{"senders"};
  std::mt19937 rng(11);
  std::vector<message_record> records;
  const std::string sender = "+15550001111";
  for (int i = 0; i < 600; ++i) {
    // A third in one second (the burst), the rest spread over 300 seconds.
    const int second = i % 3 == 0 ? 150 : std::uniform_int_distribution<int>(0, 300)(rng);
    records.push_back(message_record{"m-" + std::to_string(std::uniform_int_distribution<int>(0, 1 << 30)(rng)) + "-" +
                                       std::to_string(i),
                                     i % 4 == 3 ? "+15550002222" : sender, "+2", canonical(1735689600 + second),
                                     "text " + std::to_string(i)});
  }
  // Rows another tool wrote, with a ts that is not a time (second 0): the
  // index would sort them by their strings, among the others.
  for (const char* odd : {"garbage", "2025-02-29T00:00:00Z", "2025-01-01 00:02:00Z", "", "~late"})
    for (const auto& who : {sender, std::string{"+15550002222"}})
      records.push_back(message_record{std::string{"odd-"} + odd + who, who, "+2", odd, "odd"});
  std::shuffle(records.begin(), records.end(), rng);
  for (std::size_t i = 0; i < records.size(); i += 50)
    file.store({records.begin() + static_cast<std::ptrdiff_t>(i),
                records.begin() + static_cast<std::ptrdiff_t>(std::min(records.size(), i + 50))});
  connection reader{file.path, connection::mode::read_only};
  read_statements sql{reader};
  auto column = [&](const std::string& query, std::int64_t start) {
    std::vector<std::string> out;
    auto stmt = reader.prepare(query);
    stmt.bind(1, std::string_view{sender});
    stmt.bind(2, start);
    while (stmt.step()) out.push_back(stmt.column_text(0));
    return out;
  };
  const std::int64_t burst = first_rowid(second_of(canonical(1735689600 + 150)));
  int checked = 0;
  for (const std::int64_t start : {std::int64_t{0}, burst - (std::int64_t{40} << 24), burst, burst + 1,
                                   burst + (std::int64_t{1} << 24), burst + (std::int64_t{500} << 24)}) {
    reader.exec("BEGIN");
    std::vector<std::string> keys;
    {
      sender_keys stream{sql, sender, start};
      std::int64_t rowid = 0;
      // (Bounded: a stream that started over would never end.)
      while (keys.size() < 2000 && stream.next(rowid)) keys.push_back(std::to_string(rowid));
      BOOST_TEST(!stream.next(rowid));
    }
    std::vector<std::string> rows;
    {
      sender_rows stream{sql, sender, start};
      row_view row;
      while (stream.next(row)) rows.push_back(std::string{row.message_id});
    }
    BOOST_TEST(keys == column("SELECT rowid FROM messages NOT INDEXED WHERE from_msisdn = ?1 AND rowid >= ?2 "
                              "ORDER BY rowid", start),
               boost::test_tools::per_element());
    // Second 0 first, in rowid order, then page order.
    BOOST_TEST(rows == column("SELECT message_id FROM messages NOT INDEXED WHERE from_msisdn = ?1 AND rowid >= ?2 "
                              "ORDER BY rowid >= 16777216, CASE WHEN rowid < 16777216 THEN rowid END, ts, message_id",
                              start),
               boost::test_tools::per_element());
    BOOST_TEST(count_sender_rows(sql, sender, start) == static_cast<std::int64_t>(keys.size()));
    reader.exec("COMMIT");
    checked += static_cast<int>(keys.size());
  }
  BOOST_TEST(checked > 600);
  reader.exec("BEGIN");
  BOOST_TEST(count_sender_rows(sql, sender, 0) == 455);  // 450 spread and in the burst, 5 odd
  reader.exec("COMMIT");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(remembered_counts)

// A stream of cheap entries (a count of about a millisecond per sender and
// word) does not push out the expensive ones it passes (a whole word's
// count), which least-recently-used eviction did.
BOOST_AUTO_TEST_CASE(cheap_entries_go_before_expensive_ones) {
  costed_map<int> map{8};
  for (int i = 0; i < 3; ++i) map.store("word-" + std::to_string(i), i, 50000.0);
  for (int i = 0; i < 100; ++i) map.store("pair-" + std::to_string(i), i, 1000.0);
  BOOST_TEST(map.size() == 8u);
  for (int i = 0; i < 3; ++i) BOOST_TEST(map.find("word-" + std::to_string(i)) != nullptr, "word-" << i);
  BOOST_TEST(map.find("pair-99") != nullptr);  // the newest cheap one
  BOOST_TEST(map.find("pair-0") == nullptr);
}

// An expensive entry nobody asks for again still ages out: each entry
// forgotten raises the credit new entries start from.
BOOST_AUTO_TEST_CASE(an_expensive_entry_not_used_again_ages_out) {
  costed_map<int> map{4};
  map.store("word", 0, 5000.0);
  for (int i = 0; i < 20; ++i) map.store("pair-" + std::to_string(i), i, 1000.0);
  BOOST_TEST(map.find("word") == nullptr);
  BOOST_TEST(map.size() == 4u);
}

// Used entries are renewed; a replaced entry keeps its cost unless given one,
// and its value is the new one.
BOOST_AUTO_TEST_CASE(use_renews_and_a_replaced_entry_keeps_its_cost) {
  costed_map<int> map{3};
  map.store("a", 1, 10.0);
  map.store("b", 2, 10.0);
  map.store("c", 3, 10.0);
  BOOST_TEST(*map.find("a") == 1);  // a renewed: b is now the least worth keeping
  map.store("d", 4, 10.0);
  BOOST_TEST(map.find("b") == nullptr);
  map.store("c", 30);  // replaced, cost kept, renewed
  BOOST_TEST(*map.find("c") == 30);
  map.store("e", 5, 10.0);
  BOOST_TEST(map.find("a") == nullptr);
  BOOST_TEST(map.find("c") != nullptr);
  BOOST_TEST(map.find("d") != nullptr);
  costed_map<int> none{0};
  none.store("x", 1, 1.0);
  BOOST_TEST(none.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
