// What a suite is, before anything is built: a matrix of scenarios x schedulers x worker
// counts x parameters and how often to run each cell. Made from flags, from a suite file or
// as the classroom suite, and validated here; suite/prepared.hpp builds it, suite/run_loop.hpp
// runs it, suite/aggregate.hpp turns the repetitions into figures.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schedlab/kernels/scenarios.hpp"
#include "schedlab/schedulers/deadlines.hpp"

namespace schedlab::suite {

struct CellSpec {
  std::string scenario;
  kernels::Params params;
  std::string scheduler;
  unsigned workers = 1;
  bool gil = false;
  unsigned threads = 0;  // per worker, for processes of threads; 0: the suite's threads_per_worker
};

struct SuiteSpec {
  std::vector<CellSpec> cells;
  int repeat = 3;
  int warmup = 0;
  double unit_ms = 100;
  std::string data_dir;
  std::map<std::string, std::string> context;  // --context key=value
  Limits limits;                               // --timeout (per repetition), --task-timeout
  unsigned threads_per_worker = 1;  // cells of schedulers of processes of threads (distributed)
  uint64_t memory_limit = 0;        // bytes per worker process of distributed, 0: none
  bool fresh_pool = false;          // --pool fresh: a new pool per run where a scheduler pools
  unsigned chunksize = 1;           // --chunksize: Dask's batching where a scheduler pools
  std::string baseline;  // --baseline: speedups against this scheduler; empty: the registry's
};

// Every lesson scenario on every available scheduler at 1, 2 and 4 workers (sync at 1), with
// the lessons' variants (chain and fan-in sums, fib with and without the GIL).
SuiteSpec classroom_suite();

// `--param` flags as parameter sets: the values of one name are alternatives, different names
// combine. "reduce=chain reduce=fanin n=4" gives {reduce=chain n=4} and {reduce=fanin n=4}.
std::vector<kernels::Params> param_sets(const std::vector<std::string>& items);

// The cross product of the lists; an empty list means "all" (scenarios: the lessons;
// schedulers: every available one; workers: 1, 2, 4). A scheduler with a fixed worker count
// (sync) gets one cell.
SuiteSpec matrix_suite(const std::vector<std::string>& scenarios,
                       const std::vector<std::string>& schedulers,
                       const std::vector<unsigned>& workers,
                       const std::vector<kernels::Params>& param_sets, bool gil);

// A suite file, JSON (or TOML when its name ends in .toml, with the same fields):
//   {"unit_ms": 50, "repeat": 3, "warmup": 1, "context": {"course": "pp101"},
//    "cells": [{"scenario": "inc-dbl", "params": {"reduce": "chain"},
//               "schedulers": ["threads", "processes"], "workers": [1, 2], "gil": false}]}
// Every field but "cells" (and each cell's "scenario") is optional. Throws UsageError with
// the file, the cell and the field at fault, and what would be right; a file over
// kMaxSuiteFileBytes or nested deeper than kMaxNesting is refused while it is read.
inline constexpr size_t kMaxSuiteFileBytes = size_t{64} << 20;
SuiteSpec load_suite_file(const std::string& path);
// The same from text; `source` names it in errors and its extension picks JSON or TOML.
SuiteSpec parse_suite_text(std::string_view text, const std::string& source);

// The cells of one scenario on these schedulers and worker counts (names given twice, or an
// alias, run once; sync gets one cell).
void add_cells(SuiteSpec& spec, const std::string& scenario, const kernels::Params& params,
               const std::vector<std::string>& schedulers, const std::vector<unsigned>& workers,
               bool gil);
// Every scheduler this build has, the speedup baseline first.
std::vector<std::string> every_scheduler();

// A graph file stands wherever a scenario name does (a teacher's own graph is a lesson too):
// a name that is not a scenario and is "-" (standard input), ends in ".json", holds a '/', or
// names anything that exists (a directory or a broken link too: reading it says what is wrong).
bool is_graph_file(const std::string& name);

// Checks every cell (scenario, parameters, scheduler) before anything runs: throws UsageError.
void validate_suite(const SuiteSpec& spec);

// How worker processes are made: each setting applies only where one of the schedulers run has
// what it sets (processes of threads, a memory limit, a pool). UsageError naming the flag when
// none has; `whose` says whose schedulers ("this suite's", "the lesson's").
struct WorkerSettings {
  unsigned threads_per_worker = 1;
  uint64_t memory_limit = 0;
  bool fresh_pool = false;
  unsigned chunksize = 1;
};
void check_worker_settings(const std::vector<std::string>& schedulers, const WorkerSettings& s,
                           std::string_view whose);

// What `run`'s options say, before they are a suite. A value that is set was given, and is
// checked whatever it is (`--repeat -1` is an error, not the default).
struct SuiteOptions {
  std::string suite_file{};  // or the matrix below, or neither: the classroom suite
  std::vector<std::string> scenarios{}, schedulers{}, params{};
  std::vector<unsigned> workers{};
  bool gil = false;
  std::optional<double> unit_ms{};
  std::optional<int> repeat{}, warmup{};
  std::optional<unsigned> threads_per_worker{};
  Limits limits{};
  uint64_t memory_limit = 0;
  bool fresh_pool = false;
  unsigned chunksize = 1;
  std::string data_dir{};              // empty: kernels::default_data_dir()
  std::string baseline{};              // a scheduler name or alias; empty: the registry's
  std::vector<std::string> context{};  // key=value
};
// The suite the options describe (UsageError naming the option at fault). It is validated when
// it is prepared (suite/prepared.hpp).
SuiteSpec suite_from_options(const SuiteOptions& options);
// `--context` entries as a map: UsageError for one without "=" or a key given twice.
std::map<std::string, std::string> parse_context(const std::vector<std::string>& items);

}  // namespace schedlab::suite
