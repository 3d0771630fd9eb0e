#include <iostream>

#include "schedlab/cli/commands.hpp"
#include "schedlab/cli/graph_source.hpp"
#include "schedlab/core/graph_dot.hpp"
#include "schedlab/core/graph_file.hpp"

namespace schedlab::cli {

Command add_graph(CLI::App& app) {
  struct Args {
    GraphSource source;
    std::string format = "dot", rankdir = "TB";
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "graph",
      "Print a graph or scenario as Graphviz DOT (pipe into `dot -Tsvg`) or as a graph file");
  args->source.add_options(*sub, "graph file (JSON), - for standard input, or a scenario name");
  sub->add_option("-f,--format", args->format, "dot or json")
      ->check(CLI::IsMember({"dot", "json"}))
      ->capture_default_str();
  sub->add_option("--rankdir", args->rankdir, "layout direction for dot: TB (top to bottom) or LR")
      ->check(CLI::IsMember({"LR", "TB"}))
      ->capture_default_str();
  return [args] {
    LoadedGraph loaded = args->source.load();
    if (args->format == "json") {
      std::cout << graph_to_json(loaded.graph, loaded.targets);
    } else {
      std::cout << graph_to_dot(loaded.graph, loaded.targets, args->rankdir);
    }
    return 0;
  };
}

}  // namespace schedlab::cli
