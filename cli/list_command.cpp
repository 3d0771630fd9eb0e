#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "core/ops.hpp"
#include "schedulers/scheduler.hpp"

namespace schedlab::cli {

Command add_list(CLI::App& app) {
  app.add_subcommand("list", "List schedulers (with aliases) and ops");
  return [] {
    std::cout << "Schedulers:\n";
    for (const SchedulerInfo* s : SchedulerRegistry::global().list()) {
      std::string aliases;
      for (const std::string& a : s->aliases) aliases += (aliases.empty() ? "" : ", ") + a;
      std::cout << fmt::format("  {:<10} {:<32} {}\n", s->name,
                               aliases.empty() ? "" : "(alias " + aliases + ")", s->description);
    }
    std::cout << "\nOps:\n";
    for (const Op* op : OpRegistry::global().list()) {
      std::cout << fmt::format("  {:<10} {}\n", op->name, op->description);
    }
    return 0;
  };
}

}  // namespace schedlab::cli
