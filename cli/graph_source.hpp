// Where `graph`, `compute` and `predict` get their graph: a graph file, standard input ("-"),
// or the name of a scenario built with --param and --unit.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "schedlab/core/graph_file.hpp"

namespace schedlab::cli {

struct GraphSource {
  std::string what;  // FILE, "-" or SCENARIO
  std::vector<std::string> params;
  std::string unit = "100ms";
  std::string data_dir;
  CLI::Option* unit_option = nullptr;  // given or not: a graph file refuses it
  CLI::Option* data_option = nullptr;

  // Adds the positional argument and --param/--unit/--data to a subcommand.
  void add_options(CLI::App& sub, const std::string& positional_help);
  LoadedGraph load() const;
};

// "50ms", "0.1s", "100" (ms) -> milliseconds. Throws UsageError naming the flag.
double parse_unit(const std::string& text);

}  // namespace schedlab::cli
