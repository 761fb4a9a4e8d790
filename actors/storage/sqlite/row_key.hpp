// How the SQLite backend numbers its rows: the rowid of a message is its
// ts as a second count, shifted left by 24 bits, plus a sequence number
// among the messages of that second (the first stored gets 0).
//
// So the messages table itself is kept in listing order: its B-tree is the
// ts order, a page of GET /messages is a run of neighbouring rows (a page of
// 100 at a random place took 185 µs through a (ts, message_id) index and a
// table lookup per row, 30 µs as a run of rows on a 1M-row file), `since` is
// a rowid bound, and every index that stores rowids (the sender index, the
// text index) yields its matches in ts order too. The one thing the rowid
// does not order is message_id among rows of the same second: readers sort
// each such group (see ordered_page.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace webhookd::sqlite {

// Bits of the sequence number: up to 16,777,216 messages per second of ts.
inline constexpr int sequence_bits = 24;
inline constexpr std::int64_t sequences_per_second = std::int64_t{1} << sequence_bits;
inline constexpr std::int64_t seconds_per_day = 86400;
inline constexpr std::int64_t seconds_per_hour = 3600;

// Seconds from 0000-01-01T00:00:00Z (proleptic Gregorian) to the time
// "YYYY-MM-DDTHH:MM:SS" that `ts` starts with. Everything after those 19
// characters is ignored: webhookd only stores canonical "...Z" values, and a
// row another tool wrote with a zone or fraction keeps its place by its
// first 19 characters (rows of one second are then sorted by the whole ts).
// A ts that does not start with such a time (there is none in a database
// webhookd wrote) counts as second 0, before every real one. Years 0000 to
// 9999 fit in 39 bits.
std::int64_t second_of(std::string_view ts);

// "YYYY-MM-DDTHH:MM:SS" of `second` (as second_of counts them): the least
// canonical ts of that second, a string bound for an index ordered by ts.
std::string ts_of_second(std::int64_t second);
// The least ts a row of `rowid`'s second can have: ts_of_second, "" for
// second 0 (rows whose ts is not a time at all), "~" past year 9999.
std::string least_ts_of_rowid(std::int64_t rowid);

// The first rowid of second `second`, and of the day / hour that holds it.
inline std::int64_t first_rowid(std::int64_t second) { return second << sequence_bits; }
inline std::int64_t second_of_rowid(std::int64_t rowid) { return rowid >> sequence_bits; }
inline std::int64_t day_of(std::int64_t second) { return second / seconds_per_day; }
inline int hour_of(std::int64_t second) { return static_cast<int>(second % seconds_per_day / seconds_per_hour); }

}  // namespace webhookd::sqlite
