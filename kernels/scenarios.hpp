// Scenarios: the lessons as named, parameterised graph builders. Each has the paragraph of the
// lesson it teaches, for `schedlab list` and the reports.
//
// Sleeps are in units (`unit_ms`, 100 ms for the classroom, a few ms in tests): a lesson's
// "1 second" is one unit.
#pragma once

#include <map>
#include <span>
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

// Which cells of a run a lesson's claim speaks of, by what their scheduler is (its registry
// traits), never by name.
enum class Who : uint8_t {
  baseline,       // the speedup baseline (sync)
  parallel,       // every other scheduler
  one_process,    // workers that are threads of one process (threads, openmp)
  own_processes,  // workers that each have a process (processes; a cluster of 1-thread ranks)
};
struct ClaimSide {
  Who who = Who::baseline;
  unsigned workers = 1;  // threads in all (a cluster's ranks x threads per rank)
};
enum class Relation : uint8_t { about, at_most, at_least };

// One claim of a lesson's notebook, as data: the median time of the `subject` cells over that
// of the `reference` cells (of the same parameters and GIL setting) is about / at most / at
// least `ratio`. Where both sides are the same kind of scheduler, each scheduler is compared
// with itself (4 workers against 2); otherwise every subject cell with every reference cell.
// Checked within 10% where tasks sleep and 20% where they compute (suite/lesson_verdicts.hpp).
struct Claim {
  std::string text;  // as a student would say it: "threads with 2 workers take as long as sync"
  ClaimSide subject, reference;
  Relation relation = Relation::about;
  double ratio = 1;
  bool computing = false;  // CPU work: the wider tolerance, and as many cores as subject workers
  Params variant = {};     // only cells with these parameter values ({}: every variant)
  int gil = -1;            // only cells without (0) or with (1) the GIL; -1: either
  // Held when one pair shows it (the detail still lists every pair): for a claim about what a
  // kind of scheduler can do where one scheduler's own costs may hide it on some machines.
  bool one_pair_suffices = false;
};

// One way the classroom suite runs a lesson: its parameters (the rest at their defaults) and
// whether under the emulated GIL.
struct ClassroomCase {
  Params params = {};
  bool gil = false;
};

// A question the notebook asks about a value ("dask.compute(*b)"), and the nodes whose values
// answer it (one node: its value; several: the list of their values).
struct ValueQuestion {
  std::string asked;
  std::vector<NodeId> nodes;
};

struct Scenario {
  std::string name;
  std::string seed;    // which lesson it comes from, e.g. "seed 003"
  std::string lesson;  // one paragraph: what it shows and why
  bool lesson_suite;   // part of the default classroom suite
  std::vector<ScenarioParam> params;
  // Adds the scenario's tasks to the graph and returns the targets.
  std::vector<NodeId> (*build)(Graph&, const Params&, const BuildContext&);
  std::string notebook = {};       // the title of the seed's notebook, e.g. "Dask Schedulers"
  std::string takeaway = {};       // what to remember, in one sentence
  std::vector<Claim> claims = {};  // none: a scenario that teaches nothing to be held to
  // How the classroom suite runs it, when lesson_suite: each case on every scheduler. A lesson
  // with a GIL case runs under the GIL in `schedlab lesson` (with default parameters).
  std::vector<ClassroomCase> classroom = {{}};
  // The notebook's value questions about a built graph (`lesson` asks them), or none.
  std::vector<ValueQuestion> (*questions)(const Graph&, std::span<const NodeId> targets,
                                          const Params&) = nullptr;
  // Clusters (schedulers of processes of threads) the classroom suite runs it on beside the 2
  // workers every lesson gets there: seed 001's Client(n_workers=2, threads_per_worker=2),
  // then 8 such workers.
  struct Cluster {
    unsigned workers, threads_per_worker;
  };
  std::vector<Cluster> classroom_clusters = {};
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
