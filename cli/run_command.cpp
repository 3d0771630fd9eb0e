#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "schedlab/cli/commands.hpp"
#include "schedlab/cli/graph_source.hpp"
#include "schedlab/cli/profile_view.hpp"
#include "schedlab/cli/stop_watchdog.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/reports/console_view.hpp"
#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/reports_folder.hpp"
#include "schedlab/reports/table.hpp"
#include "schedlab/reports/verdict_summary.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/suite/aggregate.hpp"
#include "schedlab/suite/prepared.hpp"
#include "schedlab/suite/run_loop.hpp"

namespace schedlab::cli {
namespace {

std::string label(const reports::Cell& c) {
  return fmt::format("{}{} {} w={}{}", c.scenario, c.params.empty() ? "" : " " + c.params,
                     c.scheduler, c.workers_text(), c.gil ? " gil" : "");
}

}  // namespace

Command add_run(CLI::App& app) {
  struct Args {
    suite::SuiteOptions options;
    std::string out = "reports/latest", unit;
    int repeat = -1, warmup = -1;
    bool quiet = false, profile = false;
    LimitArgs limits;
    ClusterArgs cluster;
    LiveArgs live;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "run",
      "Run a suite of scenarios on schedulers and write reports (no arguments: the "
      "classroom suite)");
  sub->add_option("SUITE", args->options.suite_file,
                  "suite file (JSON or TOML); see docs/REPORTS.md");
  sub->add_option("-S,--scenario", args->options.scenarios,
                  "scenario (repeatable; default: the lessons)");
  sub->add_option("-s,--scheduler", args->options.schedulers,
                  "scheduler (repeatable; default: all)");
  sub->add_option("-w,--workers", args->options.workers,
                  "worker count (repeatable; default: 1 2 4)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, kMaxWorkers));
  sub->add_option("-p,--param", args->options.params,
                  "name=value for scenarios that have it (repeatable: values of one name are "
                  "separate cells, different names combine)");
  sub->add_flag("--gil", args->options.gil, "run with the emulated GIL");
  sub->add_option("-r,--repeat", args->repeat, "measured runs per cell (default 3)")
      ->check(decimal_count());
  sub->add_option("--warmup", args->warmup,
                  "untraced unmeasured runs per cell after the traced profile run, which warms up "
                  "too (default 0)")
      ->check(decimal_count());
  sub->add_option("-u,--unit", args->unit, "time unit of the lessons (default 100ms)");
  sub->add_option("-o,--out", args->out, "report directory")->capture_default_str();
  sub->add_option("--context", args->options.context,
                  "key=value recorded in every report (repeatable)");
  sub->add_option("--data", args->options.data_dir,
                  "where data sets are cached (default ~/.cache/schedlab)");
  sub->add_option("--baseline", args->options.baseline,
                  "scheduler speedups are measured against, at its fewest workers (default: sync)");
  sub->add_flag("-q,--quiet", args->quiet, "no progress output");
  sub->add_flag("--profile", args->profile,
                "after the summary, the time per op of each cell's profile run (its traced, "
                "unmeasured run), as %prun shows it: where it went to work and where to waiting "
                "for a lock or the GIL");
  args->limits.add_options(*sub);
  add_max_graph_size_option(*sub);
  args->cluster.add_options(*sub);
  args->live.add_options(*sub);
  return [args, sub] {
    return args->live.run([&](live::LiveState* live) {
      suite::SuiteOptions& o = args->options;
      // A flag given is a flag checked, whatever its value (`--repeat -1` is an error).
      if (sub->count("--unit")) o.unit_ms = parse_unit(args->unit);
      if (sub->count("--repeat")) o.repeat = args->repeat;
      if (sub->count("--warmup")) o.warmup = args->warmup;
      if (sub->count("--threads-per-worker"))
        o.threads_per_worker = args->cluster.threads_per_worker;
      o.limits = args->limits.limits();
      o.memory_limit = args->cluster.memory_limit_bytes();
      o.fresh_pool = args->cluster.fresh_pool();
      o.chunksize = args->cluster.chunksize;
      suite::SuiteSpec spec = suite::suite_from_options(o);
      suite::use_steady_allocator();
      const suite::PreparedSuite prepared(std::move(spec));
      const reports::ReportsFolder folder(args->out);  // checked and held before anything runs

      const bool tty = !args->quiet && isatty(STDERR_FILENO);
      if (!args->quiet) {
        std::cerr << fmt::format(
            "schedlab run: {} cells x {} runs, unit {} ms: about {:.0f} s of "
            "predicted run time. Reports go to {}/\n",
            prepared.size(), 1 + prepared.spec().repeat + prepared.spec().warmup,
            prepared.spec().unit_ms, prepared.estimate_ms() / 1000, args->out);
      }
      suite::Progress progress;
      // What a stop that user code does not heed (cli/stop_watchdog.hpp) still writes.
      suite::SuiteSession session(prepared.spec().warmup);
      StopWatchdog::set_last_words(
          [&session, out = args->out] { reports::write_reports(session.partial(), out); });
      struct ForgetLastWords {  // however the run ends: they point at this frame
        ~ForgetLastWords() { StopWatchdog::set_last_words({}); }
      } forget;
      progress.watcher = live;
      progress.run_started = [tty, live](size_t i, size_t n, const reports::Cell& c, int run,
                                         int runs) {
        if (live) live->cell_started(label(c), i, n, run, runs);
        if (tty) {
          std::cerr << fmt::format("\r\033[K[{}/{}] {}: run {}/{}", i + 1, n, label(c), run + 1,
                                   runs)
                    << std::flush;
        }
      };
      progress.cell_finished = [tty, live, quiet = args->quiet](size_t i, size_t n,
                                                                const reports::Cell& c) {
        std::string outcome = !c.error.empty() ? "FAILED: " + c.error
                              : c.interrupted  ? "interrupted"
                                               : fmt::format("median {:.1f} ms, predicted {:.1f}",
                                                             c.wall.median, c.predicted_ms);
        if (live) live->cell_finished(i, n, outcome, !c.error.empty());
        if (quiet) return;
        std::cerr << (tty ? "\r\033[K" : "")
                  << fmt::format("[{}/{}] {}: {}\n", i + 1, n, label(c), outcome);
      };
      reports::ReportWriter writer(args->out);
      reports::SuiteResult result = suite::run_suite(
          prepared, progress, [&](const reports::SuiteResult& r) { writer.update(r); }, &session);
      writer.finish(result);
      std::cout << reports::console_summary(result) << reports::console_verdicts(result);
      if (args->profile) {
        for (const reports::Cell& c : result.cells) {
          if (!c.profiled()) continue;
          std::cout << fmt::format("\nTime per op of {} (profile run):\n", label(c))
                    << profile_table(op_times_of(c.profile), c.profile);
        }
      }
      if (!args->quiet) {
        std::cerr << "Reports: " << reports::reports_line(args->out) << "\n";
      }
      if (result.interrupted) throw Interrupted();
      if (result.timed_out) throw TimedOut(result.cells.back().error);
      for (const reports::Cell& c : result.cells) {
        if (!c.error.empty()) return 1;
      }
      return 0;
    });
  };
}

}  // namespace schedlab::cli
