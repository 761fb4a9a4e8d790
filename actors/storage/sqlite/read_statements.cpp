#include "actors/storage/sqlite/read_statements.hpp"

#include "actors/storage/sqlite/day_counts.hpp"

namespace webhookd::sqlite {

namespace {
constexpr const char* row_columns = "rowid, message_id, from_msisdn, to_msisdn, ts, text";
constexpr const char* sender_rows_after =
  "FROM messages INDEXED BY messages_by_sender_rows "
  "WHERE from_msisdn = ?1 AND ts >= ?3 AND rowid >= ?2 ORDER BY ts, message_id";
constexpr const char* sender_seconds =
  "FROM messages NOT INDEXED WHERE rowid >= ?1 AND rowid < ?2 AND from_msisdn = ?3 ORDER BY rowid";
std::string rows_sql(const std::string& where) {
  return std::string{"SELECT "} + row_columns + " FROM messages WHERE " + where;
}
}  // namespace

read_statements::read_statements(connection& db)
  : begin(db.prepare("BEGIN")),
    commit(db.prepare("COMMIT")),
    totals(db.prepare("SELECT messages, senders, first_ts, last_ts, ingest_seq "
                      "FROM message_totals WHERE id = 1")),
    top_senders(db.prepare("SELECT from_msisdn, message_count FROM top_senders ORDER BY position")),
    sender_total(db.prepare("SELECT message_count FROM sender_counts WHERE from_msisdn = ?1")),
    day_totals(db.prepare("SELECT day, message_count FROM day_counts ORDER BY day")),
    day_hours(db.prepare(day_hours_sql())),
    rows_in_range(db.prepare("SELECT COUNT(*) FROM messages WHERE rowid >= ?1 AND rowid < ?2")),
    table_keys(db.prepare("SELECT rowid FROM messages WHERE rowid >= ?1 ORDER BY rowid")),
    table_rows(db.prepare(rows_sql("rowid >= ?1 ORDER BY rowid"))),
    // The index's walk starts at ?3, the least ts of ?2's second; ?2 decides.
    sender_keys(db.prepare(std::string{"SELECT rowid "} + sender_rows_after)),
    sender_rows(db.prepare(std::string{"SELECT "} + row_columns + " " + sender_rows_after)),
    sender_rows_counted(db.prepare(std::string{"SELECT COUNT(*) FROM messages INDEXED BY messages_by_sender_rows "
                                               "WHERE from_msisdn = ?1 AND ts >= ?3 AND rowid >= ?2"})),
    // The table's rowid range, not the index (which has page order).
    sender_second_keys(db.prepare(std::string{"SELECT rowid "} + sender_seconds)),
    sender_second_rows(db.prepare(std::string{"SELECT "} + row_columns + " " + sender_seconds)),
    sender_second_counted(db.prepare("SELECT COUNT(*) FROM messages NOT INDEXED "
                                     "WHERE rowid >= ?1 AND rowid < ?2 AND from_msisdn = ?3")),
    row_by_id(db.prepare(rows_sql("rowid = ?1"))),
    second_members(db.prepare("SELECT message_rowid FROM second_order WHERE second = ?1 "
                              "ORDER BY message_id LIMIT -1 OFFSET ?2")),
    group_row_by_id(db.prepare(rows_sql("rowid = ?1"))),
    arrivals(db.prepare("SELECT m.rowid, m.message_id, m.from_msisdn, m.to_msisdn, m.ts, m.text, l.seq "
                        "FROM ingest_log l JOIN messages m ON m.rowid = l.message_rowid "
                        "WHERE l.seq > ?1 AND l.seq <= ?2 ORDER BY l.seq")),
    oldest_arrival(db.prepare("SELECT IFNULL(MIN(seq), 0) FROM ingest_log")),
    database_id(db.prepare("SELECT database_id FROM storage_identity WHERE id = 1")),
    rowid_bounds(db.prepare("SELECT (SELECT MIN(rowid) FROM messages), (SELECT MAX(rowid) FROM messages)")) {}

text_statements::text_statements(connection& db)
  : db(db),
    state(db.prepare("SELECT database_id, indexed_seq, complete FROM text_index.text_index_state WHERE id = 1")),
    // FTS5 takes both rowid bounds into its search (text_windows.hpp).
    keys(db.prepare("SELECT rowid FROM text_index.message_text WHERE message_text MATCH ?1 AND rowid >= ?2 "
                    "AND rowid <= ?3 ORDER BY rowid")),
    keys_counted(db.prepare("SELECT COUNT(*) FROM text_index.message_text WHERE message_text MATCH ?1 "
                            "AND rowid >= ?2 AND rowid <= ?3")) {}

}  // namespace webhookd::sqlite
