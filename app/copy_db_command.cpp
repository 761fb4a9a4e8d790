#include "app/copy_db_command.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/storage/copy_db.hpp"
#include "config/config.hpp"

namespace webhookd {

namespace {

using clock_type = std::chrono::steady_clock;

int usage(const std::string& problem) {
  std::fprintf(stderr, "%s\n",
               nlohmann::json{{"msg", "invalid copy-db arguments"}, {"problem", problem}}.dump().c_str());
  std::fprintf(stderr,
               "usage: webhookd copy-db sqlite:///path/app.db postgresql://user:password@host:port/db "
               "[--from-start]\n");
  return 2;
}

void print_progress(const copy_progress& p, double seconds) {
  const double share = p.source_rows > 0 ? 100.0 * static_cast<double>(p.copied) / static_cast<double>(p.source_rows)
                                         : 100.0;
  std::fprintf(stderr, "copy-db: %lld of %lld rows (%.1f %%), %lld new, %.0f rows/s\n",
               static_cast<long long>(p.copied), static_cast<long long>(p.source_rows), share,
               static_cast<long long>(p.created), seconds > 0 ? static_cast<double>(p.created) / seconds : 0.0);
}

}  // namespace

int run_copy_db(int argc, char** argv) {
  if (argc < 3 || argc > 4) return usage("expected a source and a target URL");
  bool from_start = false;
  if (argc == 4) {
    if (std::string_view{argv[3]} != "--from-start") return usage(std::string("unknown option ") + argv[3]);
    from_start = true;
  }
  const auto source = database_path_from_url(argv[1]);
  if (!source) return usage("the source must be a sqlite:/// URL");
  const auto target = postgres_target_from_url(argv[2]);
  if (!target) return usage("the target must be a postgresql:// URL");

  const auto started = clock_type::now();
  auto last_print = started;
  auto seconds_since_start = [&] { return std::chrono::duration<double>(clock_type::now() - started).count(); };
  try {
    const auto done = copy_sqlite_to_postgres(*source, *target, [&](const copy_progress& p) {
      if (clock_type::now() - last_print < std::chrono::seconds(1)) return;
      last_print = clock_type::now();
      print_progress(p, seconds_since_start());
    }, from_start);
    print_progress(done, seconds_since_start());
    std::printf("%s\n", nlohmann::json{{"source", *source},
                                       {"target", target->display},
                                       {"source_rows", done.source_rows},
                                       {"copied", done.copied},
                                       {"created", done.created},
                                       {"refused_nul", done.refused},
                                       {"resumed", done.resumed},
                                       {"seconds", seconds_since_start()}}
                          .dump()
                          .c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n",
                 nlohmann::json{{"msg", "copy-db failed; run it again to resume"}, {"error", e.what()}}.dump().c_str());
    return 1;
  }
}

}  // namespace webhookd
