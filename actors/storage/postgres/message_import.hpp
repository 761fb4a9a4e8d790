// Writes messages copied from another database into PostgreSQL for
// `webhookd copy-db`: through the storage actor's own batch writer (so the
// aggregates are built by the same code), each chunk in one transaction
// together with how far the copy got, so a copy stopped at any point resumes
// after the last committed chunk and never counts a row twice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/storage/postgres/batch_writer.hpp"
#include "actors/storage/postgres/connection.hpp"

namespace webhookd::postgres {

class message_import {
 public:
  // Connects, applies the schema migrations (as the service does) and finds
  // where an earlier copy of `source` stopped. Throws postgres::error.
  message_import(const std::string& conninfo, std::string source);

  // The last message_id committed by an earlier copy of this source ("" if none).
  const std::string& resume_after() const { return resume_after_; }
  // Rows committed by earlier runs of this copy, and new among them.
  std::int64_t copied_before() const { return copied_before_; }

  // Commits `chunk` and the new resume point (`last_id`, with `copied` source
  // rows read up to it); the number of rows that were new in the target.
  std::int64_t commit_chunk(const std::vector<stamped_record>& chunk, const std::string& last_id,
                            std::int64_t copied);

 private:
  connection db_;
  std::string source_;
  std::string resume_after_;
  std::int64_t copied_before_ = 0;
};

}  // namespace webhookd::postgres
