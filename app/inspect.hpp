// `webhookd inspect [URL] [--watch]`: fetches /debug/actors from a running
// webhookd and prints one aligned row per actor, so an operator sees at a
// glance which actor is busy, backed up or failing.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

namespace webhookd {

// Runs the subcommand; argv[0] is "inspect". Returns the process exit code.
int run_inspect(int argc, char** argv);

// The table for one /debug/actors answer.
void print_actor_table(const nlohmann::json& snapshot, std::ostream& out);

}  // namespace webhookd
