// The text index behind `q`: an FTS5 table over messages.text whose rowids
// are the messages' rowids (so its matches come in ts order, row_key.hpp),
// with a tokenizer of webhookd's own that makes FTS5's answers exactly the
// `q` rule (core/text_match.hpp): a literal substring, ASCII letters folded,
// every other byte as it is. A document's tokens are
//   - every 3-byte window of the folded text, one position apart, so a
//     needle of three or more bytes is the FTS5 phrase of its windows and a
//     phrase match is a substring match, with no candidate left to check;
//   - each distinct 2-byte window and each distinct byte once, so that a
//     needle of 1 or 2 bytes is one term. (FTS5 answers a prefix query such
//     as "xy*" by merging the whole lists of every token it prefixes in
//     memory first: tens of MiB and a second for "e" on ten million rows.)
// Bytes, not code points: a needle of valid UTF-8 can only match at a code
// point boundary, so the answers are those of a code point search.
//
// The index lives in a database file of its own beside the messages
// ("<database>-text"), written by the text indexer (text_indexer.hpp) in
// chunks of up to a few thousand rows, so neither its writes nor its write
// lock are part of a webhook's commit: FTS5 on this machine cost 60 µs per
// row when each commit of 25 rows added its own segment, and 8–10 µs per row
// in chunks of 256 or more. It is derived data: missing, behind, or made for
// another database (its id differs), it is rebuilt from the messages, and
// readers test the rows it does not hold yet directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/storage/sqlite/connection.hpp"

struct sqlite3;

namespace webhookd::sqlite {

inline constexpr const char* text_tokenizer_name = "webhookd_text";

std::string text_index_path(const std::string& database_path);

// In the index file: message_text (FTS5, rowids = the messages' rowids) and
// one row of state: which database it belongs to (storage_identity's id),
// how far it has indexed the arrival log, and whether it holds every row
// up to there (false until a first full build has finished).
void create_text_index_schema(connection& text_db);

struct text_index_state {
  std::string database_id;
  std::int64_t indexed_seq = 0;
  bool complete = false;
};

// Registers the tokenizer on `db`; every connection that reads or writes the
// index needs it. Throws sqlite::error.
void register_text_tokenizer(sqlite3* db);

// Attaches the index file to a reader's (read-only) connection as schema
// "text_index"; false when there is no such file yet.
bool attach_text_index(connection& db, const std::string& database_path);

// Whether the index answers `needle` exactly: not for one holding NUL or
// 0x01 (both are 0x01 in its tokens, see text_index.cpp); those are searched
// row by row.
bool text_index_serves(std::string_view needle);

// The MATCH expression for a needle the index serves. The needle travels inside it
// hex-encoded (the tokenizer decodes queries), so no byte of it, quotes and
// NUL included, can change the expression's meaning.
std::string text_match_expression(std::string_view needle);

}  // namespace webhookd::sqlite
