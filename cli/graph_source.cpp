#include "schedlab/cli/graph_source.hpp"

#include <fmt/format.h>

#include "schedlab/cli/commands.hpp"
#include "schedlab/core/duration.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/suggest.hpp"
#include "schedlab/kernels/flights.hpp"
#include "schedlab/kernels/scenarios.hpp"
#include "schedlab/suite/spec.hpp"

namespace schedlab::cli {

double parse_unit(const std::string& text) {
  return parse_duration_ms(text, "--unit");
}

void GraphSource::add_options(CLI::App& sub, const std::string& positional_help) {
  sub.add_option("GRAPH", what, positional_help)->required();
  sub.add_option("-p,--param", params, "scenario parameter name=value (repeatable)");
  unit_option = sub.add_option("-u,--unit", unit, "scenario time unit, e.g. 100ms or 0.05s")
                    ->capture_default_str();
  data_option = sub.add_option("--data", data_dir,
                               "where scenario data sets are cached (default: ~/.cache/schedlab)");
  add_max_graph_size_option(sub);
}

LoadedGraph GraphSource::load() const {
  const bool is_file = suite::is_graph_file(what);  // the one rule, shared with suites
  bool is_scenario = false;
  for (const kernels::Scenario& s : kernels::scenarios()) is_scenario |= s.name == what;
  if (!is_file && !is_scenario) {
    std::string names;
    std::vector<std::string> known;
    for (const kernels::Scenario& s : kernels::scenarios()) {
      names += " " + s.name;
      known.push_back(s.name);
    }
    throw UsageError(fmt::format("'{}' is neither a graph file nor a scenario{} (scenarios:{})",
                                 what, did_you_mean(what, known), names));
  }
  if (!is_scenario) {
    if (!params.empty()) throw UsageError("--param applies to scenarios, not to graph files");
    // A flag that would change nothing is a mistake to point out, not to ignore.
    if (unit_option && unit_option->count() > 0) {
      throw UsageError(
          "--unit applies to scenarios, not to graph files (a graph file's sleeps are in "
          "milliseconds, in its \"sleep_ms\" fields)");
    }
    if (data_option && data_option->count() > 0) {
      throw UsageError("--data applies to scenarios with data sets, not to graph files");
    }
    return load_graph_file(what);
  }
  auto built = kernels::build_scenario(
      kernels::find_scenario(what), kernels::parse_params(params),
      {parse_unit(unit), data_dir.empty() ? kernels::default_data_dir() : data_dir});
  return LoadedGraph{std::move(built.graph), std::move(built.targets)};
}

}  // namespace schedlab::cli
