#include "actors/storage/copy_db.hpp"

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "actors/storage/postgres/message_import.hpp"
#include "actors/storage/sqlite/message_export.hpp"

namespace webhookd {

namespace {

bool has_nul(const message_record& r) {
  return r.message_id.find('\0') != std::string::npos || (r.text && r.text->find('\0') != std::string::npos);
}

}  // namespace

copy_progress copy_sqlite_to_postgres(const std::string& source_path, const postgres_target& target,
                                      const std::function<void(const copy_progress&)>& on_chunk,
                                      bool from_start, int chunk_rows) {
  if (!std::filesystem::is_regular_file(source_path))
    throw std::runtime_error("source database " + source_path + " does not exist");
  // The resume point belongs to this file, wherever the command runs from.
  const auto source_key = "sqlite:" + std::filesystem::absolute(source_path).lexically_normal().string();
  copy_progress progress;
  try {
    sqlite::message_export source(source_path);
    postgres::message_import sink(target.conninfo, source_key);
    progress.source_rows = source.count();
    progress.resumed = !from_start && !sink.resume_after().empty();
    progress.copied = progress.resumed ? sink.copied_before() : 0;
    std::string last = progress.resumed ? sink.resume_after() : std::string{};
    for (;;) {
      auto chunk = source.after(last, chunk_rows);
      if (chunk.empty()) break;
      std::vector<postgres::stamped_record> rows;
      rows.reserve(chunk.size());
      for (const auto& m : chunk) {
        if (has_nul(m.record))
          ++progress.refused;
        else
          rows.push_back({&m.record, m.created_at});
      }
      last = chunk.back().record.message_id;
      const auto copied = progress.copied + static_cast<std::int64_t>(chunk.size());
      progress.created += sink.commit_chunk(rows, last, copied);
      progress.copied = copied;
      on_chunk(progress);
    }
  } catch (const sqlite::error& e) {
    throw std::runtime_error("cannot read the source database: " + std::string(e.what()));
  } catch (const postgres::error& e) {
    throw std::runtime_error("cannot write to " + target.display + ": " + std::string(e.what()));
  }
  return progress;
}

}  // namespace webhookd
