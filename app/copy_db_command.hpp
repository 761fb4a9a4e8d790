// `webhookd copy-db SOURCE_URL TARGET_URL [--from-start]`: the command line
// around copy_sqlite_to_postgres (actors/storage/copy_db.hpp): checks both
// URLs as DATABASE_URL is checked, prints a progress line to stderr about once
// a second and a JSON summary to stdout.
#pragma once

namespace webhookd {

// argv[0] is "copy-db". Exit code: 0 done, 1 failed (run it again to resume),
// 2 usage.
int run_copy_db(int argc, char** argv);

}  // namespace webhookd
