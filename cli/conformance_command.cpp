// `schedlab conformance -s NAME [-w N]...`: the conformance cases on registered schedulers
// (conformance/conformance.hpp), a line per case and a summary; exit 0 only when all pass.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "schedlab/cli/commands.hpp"
#include "schedlab/conformance/conformance.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::cli {

Command add_conformance(CLI::App& app) {
  struct Args {
    std::vector<std::string> schedulers;
    std::vector<unsigned> workers{1, 2, 4};
    unsigned threads_per_worker = 0;
    std::string filter;
    bool list = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "conformance",
      "Check that schedulers run graphs as schedlab's own do: the same results as sync, errors "
      "with key, op and message, nothing started after a failure, the start order of their "
      "declared policy, ...");
  sub->add_option("-s,--scheduler", args->schedulers,
                  "scheduler to check (repeatable; default: every registered one)");
  sub->add_option("-w,--workers", args->workers, "worker count (repeatable; default: 1 2 4)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, kMaxWorkers));
  sub->add_option("--threads-per-worker", args->threads_per_worker,
                  "threads per worker for schedulers of processes of threads (default: 1 and 2)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, kMaxWorkers));
  sub->add_option("--filter", args->filter,
                  "cases to run: names or glob patterns, comma-separated (e.g. 'Trace*')");
  sub->add_flag("--list", args->list, "list the cases and targets that would run, run none");
  return [args] {
    const SchedulerRegistry& registry = SchedulerRegistry::global();
    std::vector<std::string> names = args->schedulers;
    if (names.empty()) {
      for (const SchedulerInfo* s : registry.list()) names.push_back(s->name);
    }
    const conformance::Options options{
        .targets = conformance::targets_for(names, args->workers, args->threads_per_worker),
        .filter = args->filter,
        .list = args->list};
    if (args->threads_per_worker && std::none_of(names.begin(), names.end(), [&](auto& n) {
          return registry.info(n).traits.processes == ProcessModel::processes_of_threads;
        })) {
      throw UsageError(
          "--threads-per-worker applies to schedulers of processes of threads (distributed); "
          "none was chosen");
    }
    const int code = conformance::run(options, std::cout);
    if (code == 2)
      throw UsageError(fmt::format("--filter '{}' matches no case (see --list)", args->filter));
    return code;
  };
}

}  // namespace schedlab::cli
