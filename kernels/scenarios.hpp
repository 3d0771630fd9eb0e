// Scenarios: the lessons as named, parameterised graph builders. Each has the paragraph of the
// lesson it teaches, for `schedlab list` and the reports.
//
// Sleeps are in units (`unit_ms`, 100 ms for the classroom, a few ms in tests): a lesson's
// "1 second" is one unit.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "schedlab/core/graph.hpp"

namespace schedlab::kernels {

using Params = std::map<std::string, std::string>;

struct ScenarioParam {
  std::string name;
  std::string default_value;
  std::string description;
};

struct BuildContext {
  double unit_ms = 100;
  std::string data_dir;  // where generated data sets are cached (flights)
};

struct Scenario {
  std::string name;
  std::string seed;    // which lesson it comes from, e.g. "seed 003"
  std::string lesson;  // one paragraph: what it shows and why
  bool lesson_suite;   // part of the default classroom suite
  std::vector<ScenarioParam> params;
  // Adds the scenario's tasks to the graph and returns the targets.
  std::vector<NodeId> (*build)(Graph&, const Params&, const BuildContext&);
};

const std::vector<Scenario>& scenarios();
// Registers the ops the scenarios use beyond the built-in ones (addTwo, flights.*), which
// scenarios otherwise register when first built. Worker ranks need them before any task.
void register_scenario_ops();
// By name; throws UsageError listing the names.
const Scenario& find_scenario(const std::string& name);
// The full parameter set: defaults filled in; unknown names and bad values are UsageErrors.
Params complete_params(const Scenario& s, const Params& given);
// "reduce=tree n=4": the parameters that differ from the defaults, for labels.
std::string describe_params(const Scenario& s, const Params& params);

struct BuiltScenario {
  Graph graph;
  std::vector<NodeId> targets;
};
BuiltScenario build_scenario(const Scenario& s, const Params& given, const BuildContext& ctx);

// Reads "k=v" strings into Params (UsageError on a malformed one).
Params parse_params(const std::vector<std::string>& items);

}  // namespace schedlab::kernels
