// The buffered-WAL VFS on real SQLite files: a writer through it, and readers
// and crash copies through SQLite's own VFS, which must see every committed
// transaction exactly as if the VFS were not there.
#define BOOST_TEST_MODULE test_buffered_wal_vfs
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <string>


#include "actors/storage/sqlite/buffered_wal_vfs.hpp"
#include "actors/storage/sqlite/connection.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using webhookd::test::temp_dir;
namespace fs = std::filesystem;

namespace {

// Connections through the project's SQLite wrapper; `vfs` null for SQLite's own.
sqlite::connection open_db(const std::string& path, const char* vfs) {
  return sqlite::connection{path, sqlite::connection::mode::read_write_create, vfs};
}

std::int64_t integer(sqlite::connection& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  return stmt.step() ? stmt.column_int(0) : -1;
}

std::string text(sqlite::connection& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  return stmt.step() ? stmt.column_text(0) : std::string{};
}

// Rows whose index keys land all over the tree, so that every commit writes
// many WAL frames, and whose value can be recomputed from the id.
const char* schema = R"sql(
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = FULL;
  PRAGMA wal_autocheckpoint = 0;
  CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, v TEXT NOT NULL);
)sql";

std::string insert_rows(std::int64_t first, std::int64_t count, int value_units) {
  return "WITH RECURSIVE n(i) AS (SELECT " + std::to_string(first) + " UNION ALL SELECT i + 1 FROM n WHERE i < " +
         std::to_string(first + count - 1) +
         ") INSERT INTO t (id, k, v) SELECT i, hex(i * 2654435761 % 1000003) || '-' || i, "
         "replace(hex(zeroblob(" + std::to_string(value_units) +
         ")), '00', char(65 + i % 26) || char(66 + i % 25)) FROM n";
}

// Rows whose value is exactly what insert_rows wrote for its id.
std::string intact_rows(int value_units) {
  return "SELECT count(*) FROM t WHERE v = replace(hex(zeroblob(" + std::to_string(value_units) +
         ")), '00', char(65 + id % 26) || char(66 + id % 25)) AND k = hex(id * 2654435761 % 1000003) || '-' || id";
}

void copy_files(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal"}) {
    fs::copy_file(from + suffix, to + suffix, fs::copy_options::overwrite_existing);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_vfs_is_registered_but_not_the_default) {
  const char* name = buffered_wal_vfs_name();
  BOOST_TEST(std::string{name} == "webhookd-buffered-wal");
  BOOST_TEST(vfs_is_registered(name));
  BOOST_TEST(!vfs_is_default(name));
  BOOST_TEST(buffered_wal_vfs_name() == name);  // registered once
}

// Each commit must be in the WAL file before SQLite publishes it: a reader on
// SQLite's own VFS sees it at once, and so does a copy of the files taken
// while the writer still runs (what a crash would leave), with no checkpoint
// in between.
BOOST_AUTO_TEST_CASE(every_commit_is_in_the_file_before_others_see_it) {
  temp_dir dir;
  const std::string path = dir.path() + "/app.db";
  auto writer = open_db(path, buffered_wal_vfs_name());
  writer.exec(schema);
  auto reader = open_db(path, nullptr);
  const int units = 100;
  std::int64_t rows = 0;
  for (int commit = 1; commit <= 200; ++commit) {
    writer.exec("BEGIN IMMEDIATE");
    writer.exec(insert_rows(rows + 1, 25, units));
    writer.exec("COMMIT");
    rows += 25;
    BOOST_TEST_REQUIRE(integer(reader, "SELECT count(*) FROM t") == rows);
    BOOST_TEST_REQUIRE(integer(reader, intact_rows(units)) == rows);
    if (commit % 50 == 0) {
      const std::string copy = dir.path() + "/crash-" + std::to_string(commit) + ".db";
      copy_files(path, copy);
      auto recovered = open_db(copy, nullptr);
      BOOST_TEST(integer(recovered, "SELECT count(*) FROM t") == rows);
      BOOST_TEST(integer(recovered, intact_rows(units)) == rows);
      BOOST_TEST(text(recovered, "PRAGMA integrity_check") == "ok");
    }
  }
  BOOST_TEST(integer(writer, "PRAGMA wal_checkpoint(TRUNCATE)") == 0);
  BOOST_TEST(integer(reader, intact_rows(units)) == rows);
  BOOST_TEST(text(reader, "PRAGMA integrity_check") == "ok");
}

// A transaction larger than the page cache spills pages into the WAL before
// it commits and reads them back; larger than the buffer, it goes out in
// pieces. Both must read back what was written, commit or roll back whole.
BOOST_AUTO_TEST_CASE(spilled_and_oversized_transactions_read_back_their_frames) {
  temp_dir dir;
  const std::string path = dir.path() + "/app.db";
  auto writer = open_db(path, buffered_wal_vfs_name());
  writer.exec(schema);
  writer.exec("PRAGMA cache_size = 16");  // pages: a few rows' worth
  auto reader = open_db(path, nullptr);
  const int units = 1000;  // 2,000-character values: 6 MB per transaction

  writer.exec("BEGIN IMMEDIATE");
  writer.exec(insert_rows(1, 3000, units));
  // Read inside the transaction: most of these pages were spilled.
  BOOST_TEST(integer(writer, intact_rows(units)) == 3000);
  writer.exec("COMMIT");
  BOOST_TEST(integer(reader, intact_rows(units)) == 3000);

  writer.exec("BEGIN IMMEDIATE");
  writer.exec(insert_rows(3001, 3000, units));
  writer.exec("UPDATE t SET k = k || '-x' WHERE id % 7 = 0");  // rewrites spilled pages
  BOOST_TEST(integer(writer, "SELECT count(*) FROM t") == 6000);
  writer.exec("ROLLBACK");
  BOOST_TEST(integer(writer, intact_rows(units)) == 3000);
  BOOST_TEST(integer(reader, intact_rows(units)) == 3000);

  writer.exec("BEGIN IMMEDIATE");
  writer.exec(insert_rows(3001, 1000, units));
  writer.exec("COMMIT");
  BOOST_TEST(integer(reader, intact_rows(units)) == 4000);
  BOOST_TEST(text(reader, "PRAGMA integrity_check") == "ok");

  const std::string copy = dir.path() + "/crash.db";
  copy_files(path, copy);
  auto recovered = open_db(copy, nullptr);
  BOOST_TEST(integer(recovered, intact_rows(units)) == 4000);
  BOOST_TEST(text(recovered, "PRAGMA integrity_check") == "ok");
}
