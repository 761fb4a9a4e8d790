#include "actors/storage/sqlite/text_index.hpp"

#include <bitset>
#include <string>

#include <sqlite3.h>
#include <unistd.h>

#include "actors/storage/sqlite/connection.hpp"
#include "core/text_match.hpp"

namespace webhookd::sqlite {

namespace {

using token_callback = int (*)(void*, int, const char*, int, int, int);

// The tokenizer keeps no state: one static object serves every connection.
struct text_tokenizer {};
text_tokenizer the_tokenizer;

int create(void*, const char**, int, Fts5Tokenizer** out) {
  *out = reinterpret_cast<Fts5Tokenizer*>(&the_tokenizer);
  return SQLITE_OK;
}

void destroy(Fts5Tokenizer*) {}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The byte a token holds for `c`. FTS5 keeps terms as C strings in places, so
// a NUL inside a token corrupts its index: NUL is written as 0x01 instead,
// and needles holding either byte are not searched through the index.
char token_byte(char c) { return c == '\0' ? '\x01' : fold_ascii(c); }

// Emits the tokens of a stored text (see text_index.hpp).
int tokenize_document(void* context, const char* text, int size, token_callback emit) {
  std::string folded(text, static_cast<std::size_t>(size));
  for (auto& c : folded) c = token_byte(c);
  const int n = size;
  bool any = false;
  for (int i = 0; i + 3 <= n; ++i) {
    if (int rc = emit(context, 0, folded.data() + i, 3, i, i + 3); rc != SQLITE_OK) return rc;
    any = true;
  }
  // Each distinct 2-byte window and byte once, at the last position (their
  // positions never matter: a phrase is made of 3-byte windows only).
  auto emit_once = [&](int at, int length) {
    const int flags = any ? FTS5_TOKEN_COLOCATED : 0;
    any = true;
    return emit(context, flags, folded.data() + at, length, at, at + length);
  };
  std::bitset<65536> pairs;
  for (int i = 0; i + 2 <= n; ++i) {
    const auto pair = static_cast<std::size_t>(static_cast<unsigned char>(folded[static_cast<std::size_t>(i)])) << 8 |
                      static_cast<unsigned char>(folded[static_cast<std::size_t>(i) + 1]);
    if (pairs[pair]) continue;
    pairs[pair] = true;
    if (int rc = emit_once(i, 2); rc != SQLITE_OK) return rc;
  }
  std::bitset<256> bytes;
  for (int i = 0; i < n; ++i) {
    const auto byte = static_cast<unsigned char>(folded[static_cast<std::size_t>(i)]);
    if (bytes[byte]) continue;
    bytes[byte] = true;
    if (int rc = emit_once(i, 1); rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

// Emits the tokens of a needle that text_match_expression hex-encoded: its
// 3-byte windows, or the needle itself when it is shorter.
int tokenize_query(void* context, const char* text, int size, token_callback emit) {
  if (size % 2 != 0) return SQLITE_ERROR;
  std::string needle;
  needle.reserve(static_cast<std::size_t>(size / 2));
  for (int i = 0; i < size; i += 2) {
    const int high = hex_value(text[i]), low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return SQLITE_ERROR;
    needle.push_back(token_byte(static_cast<char>(high * 16 + low)));
  }
  const int n = static_cast<int>(needle.size());
  if (n < 3) return n == 0 ? SQLITE_OK : emit(context, 0, needle.data(), n, 0, n);
  for (int i = 0; i + 3 <= n; ++i)
    if (int rc = emit(context, 0, needle.data() + i, 3, i, i + 3); rc != SQLITE_OK) return rc;
  return SQLITE_OK;
}

int tokenize(Fts5Tokenizer*, void* context, int flags, const char* text, int size, token_callback emit) {
  if (flags & FTS5_TOKENIZE_QUERY) return tokenize_query(context, text, size, emit);
  return tokenize_document(context, text, size, emit);
}

fts5_tokenizer tokenizer_methods{create, destroy, tokenize};

fts5_api* fts5_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) != SQLITE_OK)
    throw error{sqlite3_errcode(db), sqlite3_errmsg(db)};
  sqlite3_bind_pointer(stmt, 1, &api, "fts5_api_ptr", nullptr);
  sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (api == nullptr) throw error{SQLITE_ERROR, "this SQLite has no FTS5"};
  return api;
}

}  // namespace

void register_text_tokenizer(sqlite3* db) {
  fts5_api* api = fts5_of(db);
  if (int rc = api->xCreateTokenizer(api, text_tokenizer_name, nullptr, &tokenizer_methods, nullptr);
      rc != SQLITE_OK)
    throw error{rc, "cannot register the text tokenizer"};
}

std::string text_index_path(const std::string& database_path) { return database_path + "-text"; }

void create_text_index_schema(connection& text_db) {
  text_db.exec(R"sql(
    CREATE TABLE IF NOT EXISTS text_index_state (
      id          INTEGER PRIMARY KEY CHECK (id = 1),
      database_id TEXT NOT NULL,
      indexed_seq INTEGER NOT NULL,
      complete    INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO text_index_state VALUES (1, '', 0, 0);
    CREATE VIRTUAL TABLE IF NOT EXISTS message_text
      USING fts5(text, content='', tokenize='webhookd_text', detail='full');
  )sql");
  // FTS5 merges a level's segments once this many are there (its default is
  // 4). Each chunk the indexer commits is a new segment, and at 4 the merges
  // into the big segments of a 1M-row index were most of its work: 165 µs a
  // row in chunks of 150 rows (93 in chunks of 1,000), against 121 (56) at 8,
  // while a search costs about the same (a rare phrase counted in 15.5 ms at
  // 4, 15.7 ms at 8; an absent word 0.069 against 0.076 ms). Kept in the
  // index's own configuration; set again at every open.
  text_db.exec("INSERT INTO message_text (message_text, rank) VALUES ('automerge', 8)");
  // The indexer's idle merges ('merge' with a page budget, text_indexer.cpp)
  // merge any level that holds 2 segments or more (FTS5's default is 4), so
  // that once merged the index has at most one segment per level. A search
  // looks up each of its terms in every segment: at 1M rows an absent word
  // took 80 us in the 29 segments the indexer had left, 16 us after these
  // merges on a copy that got new rows between steps (4 segments), 6 us in
  // one (a full 'optimize', which would rewrite the whole index after every
  // burst). The price: a new segment is merged upwards like a binary carry,
  // so a row is rewritten about log2(bursts) times rather than log8.
  text_db.exec("INSERT INTO message_text (message_text, rank) VALUES ('usermerge', 2)");
}

bool attach_text_index(connection& db, const std::string& database_path) {
  const std::string path = text_index_path(database_path);
  if (::access(path.c_str(), R_OK) != 0) return false;
  auto attach = db.prepare("ATTACH DATABASE ?1 AS text_index");
  attach.bind(1, std::string_view{path});
  try {
    attach.step();
  } catch (const error&) {
    return false;
  }
  // The indexer creates the file before its tables: a file caught in
  // between is detached again and tried on a later request.
  bool complete = false;
  {
    auto tables = db.prepare("SELECT COUNT(*) FROM text_index.sqlite_master "
                             "WHERE name IN ('text_index_state', 'message_text')");
    complete = tables.step() && tables.column_int(0) == 2;
  }
  if (!complete) db.exec("DETACH DATABASE text_index");
  return complete;
}

bool text_index_serves(std::string_view needle) {
  return !needle.empty() && needle.find('\0') == std::string_view::npos && needle.find('\x01') == std::string_view::npos;
}

std::string text_match_expression(std::string_view needle) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string expression = "\"";
  for (char c : needle) {
    const auto byte = static_cast<unsigned char>(c);
    expression.push_back(digits[byte >> 4]);
    expression.push_back(digits[byte & 0xf]);
  }
  expression.push_back('"');
  return expression;
}

}  // namespace webhookd::sqlite
