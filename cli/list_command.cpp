#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "schedlab/cli/commands.hpp"
#include "schedlab/core/ops.hpp"
#include "schedlab/kernels/scenarios.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::cli {
namespace {

std::string wrap(const std::string& text, size_t width, const std::string& indent) {
  std::string out, line = indent;
  std::istringstream words(text);
  for (std::string w; words >> w;) {
    if (line.size() + w.size() + 1 > width && line.size() > indent.size()) {
      out += line + "\n";
      line = indent;
    }
    line += (line.size() > indent.size() ? " " : "") + w;
  }
  return out + line;
}

}  // namespace

Command add_list(CLI::App& app) {
  app.add_subcommand("list", "List schedulers (with aliases), scenarios and ops");
  return [] {
    // Columns as wide as their longest entry: the registries grow.
    struct Row {
      std::string name, aliases, description;
    };
    std::vector<Row> rows;
    size_t name_width = 0, alias_width = 0;
    for (const SchedulerInfo* s : SchedulerRegistry::global().list()) {
      std::string aliases;
      for (const std::string& a : s->aliases) aliases += (aliases.empty() ? "" : ", ") + a;
      rows.push_back({s->name, aliases.empty() ? "" : "(alias " + aliases + ")", s->description});
      name_width = std::max(name_width, rows.back().name.size());
      alias_width = std::max(alias_width, rows.back().aliases.size());
    }
    std::cout << "Schedulers:\n";
    for (const Row& r : rows) {
      std::cout << fmt::format("  {:<{}} {:<{}} {}\n", r.name, name_width, r.aliases, alias_width,
                               r.description);
    }
    std::cout << "\nScenarios (schedlab run, graph, predict, compute):\n";
    for (const kernels::Scenario& s : kernels::scenarios()) {
      std::string params;
      for (const kernels::ScenarioParam& p : s.params) {
        params += fmt::format(" {}={}", p.name, p.default_value);
      }
      std::cout << fmt::format("  {:<16} ({}){}\n", s.name, s.seed, params);
      std::cout << fmt::format("{}\n", wrap(s.lesson, 96, "      "));
    }
    std::cout << "\nOps:\n";
    size_t op_width = 0;
    for (const Op* op : OpRegistry::global().list()) op_width = std::max(op_width, op->name.size());
    for (const Op* op : OpRegistry::global().list()) {
      std::cout << fmt::format("  {:<{}} {}\n", op->name, op_width, op->description);
    }
    return 0;
  };
}

}  // namespace schedlab::cli
