#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "schedlab/cli/commands.hpp"
#include "schedlab/cli/graph_source.hpp"
#include "schedlab/cli/stop_watchdog.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/kernels/flights.hpp"
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

// The lessons first, judged by their claims: "Lessons: 6 of 7 lessons held." and a line each.
std::string console_verdicts(const reports::SuiteResult& r) {
  if (r.lesson_verdicts.empty()) return "";
  reports::Table t{{"lesson", "verdict", "notebook: takeaway"}, {false, false, false}, {}};
  for (const reports::LessonVerdict& v : r.lesson_verdicts) {
    t.rows.push_back({v.scenario, v.verdict, v.notebook + ": " + v.takeaway});
  }
  std::string out = "\nLessons: " + reports::verdict_headline(r) + "\n" + reports::console_table(t);
  for (const reports::LessonVerdict& v : r.lesson_verdicts) {
    if (!v.reason.empty()) out += fmt::format("{} is {}: {}\n", v.scenario, v.verdict, v.reason);
  }
  return out;
}

std::string console_summary(const reports::SuiteResult& r) {
  reports::Table t{{"scenario", "params", "scheduler", "workers", "gil", "median ms", "predicted",
                    "meas/pred", "speedup", "notes"},
                   {false, false, false, true, false, true, true, true, true, false},
                   {}};
  for (const reports::Cell& c : r.cells) {
    std::string notes = c.error.empty() ? "" : "FAILED: " + c.error;
    if (c.interrupted) notes = "interrupted";
    if (c.timed_out) notes = c.error;
    for (const reports::Warning& w : c.warnings) reports::append(notes, "; ", w.kind);
    t.rows.push_back({c.scenario, c.all_params(), c.scheduler, c.workers_text(), c.gil ? "on" : "",
                      c.wall.n ? fmt::format("{:.1f}", c.wall.median) : "",
                      fmt::format("{:.1f}", c.predicted_ms),
                      c.wall.n ? fmt::format("{:.2f}", c.ratio()) : "",
                      c.speedup > 0 ? fmt::format("{:.2f}x", c.speedup) : "", notes});
  }
  return reports::console_table(t);
}

}  // namespace

Command add_run(CLI::App& app) {
  struct Args {
    std::string suite_file, out = "reports/latest", unit, data;
    std::vector<std::string> scenarios, schedulers, params, context;
    std::string baseline;
    std::vector<unsigned> workers;
    int repeat = -1, warmup = -1;
    bool gil = false, quiet = false;
    LimitArgs limits;
    ClusterArgs cluster;
    LiveArgs live;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "run",
      "Run a suite of scenarios on schedulers and write reports (no arguments: the "
      "classroom suite)");
  sub->add_option("SUITE", args->suite_file, "suite file (JSON or TOML); see docs/REPORTS.md");
  sub->add_option("-S,--scenario", args->scenarios, "scenario (repeatable; default: the lessons)");
  sub->add_option("-s,--scheduler", args->schedulers, "scheduler (repeatable; default: all)");
  sub->add_option("-w,--workers", args->workers, "worker count (repeatable; default: 1 2 4)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, kMaxWorkers));
  sub->add_option("-p,--param", args->params,
                  "name=value for scenarios that have it (repeatable: values of one name are "
                  "separate cells, different names combine)");
  sub->add_flag("--gil", args->gil, "run with the emulated GIL");
  sub->add_option("-r,--repeat", args->repeat, "measured runs per cell (default 3)")
      ->check(decimal_count());
  sub->add_option("--warmup", args->warmup,
                  "untraced unmeasured runs per cell after the traced profile run, which warms up "
                  "too (default 0)")
      ->check(decimal_count());
  sub->add_option("-u,--unit", args->unit, "time unit of the lessons (default 100ms)");
  sub->add_option("-o,--out", args->out, "report directory")->capture_default_str();
  sub->add_option("--context", args->context, "key=value recorded in every report (repeatable)");
  sub->add_option("--data", args->data, "where data sets are cached (default ~/.cache/schedlab)");
  sub->add_option("--baseline", args->baseline,
                  "scheduler speedups are measured against, at its fewest workers (default: sync)");
  sub->add_flag("-q,--quiet", args->quiet, "no progress output");
  args->limits.add_options(*sub);
  add_max_graph_size_option(*sub);
  args->cluster.add_options(*sub);
  args->live.add_options(*sub);
  return [args, sub] {
    return args->live.run([&](live::LiveState* live) {
      const Limits limits = args->limits.limits();
      suite::SuiteSpec spec;
      const bool matrix = !args->scenarios.empty() || !args->schedulers.empty() ||
                          !args->workers.empty() || !args->params.empty() || args->gil;
      if (!args->suite_file.empty()) {
        if (matrix)
          throw UsageError("give either a suite file or --scenario/--scheduler/... flags");
        spec = suite::load_suite_file(args->suite_file);
      } else if (matrix) {
        spec = suite::matrix_suite(args->scenarios, args->schedulers, args->workers,
                                   suite::param_sets(args->params), args->gil);
      } else {
        spec = suite::classroom_suite();
      }
      // A flag given is a flag checked, whatever its value: `--repeat -1` or `--unit ''` is an
      // error from validation, not a silent return to the default.
      if (sub->count("--unit")) spec.unit_ms = parse_unit(args->unit);
      if (sub->count("--repeat")) spec.repeat = args->repeat;
      if (sub->count("--warmup")) spec.warmup = args->warmup;
      spec.limits = limits;
      if (sub->count("--threads-per-worker"))
        spec.threads_per_worker = args->cluster.threads_per_worker;
      spec.memory_limit = args->cluster.memory_limit_bytes();
      spec.fresh_pool = args->cluster.fresh_pool();
      spec.chunksize = args->cluster.chunksize;
      spec.data_dir = args->data.empty() ? kernels::default_data_dir() : args->data;
      if (!args->baseline.empty()) {
        spec.baseline = SchedulerRegistry::global().info(args->baseline).name;  // canonical
        if (std::none_of(spec.cells.begin(), spec.cells.end(),
                         [&](const suite::CellSpec& c) { return c.scheduler == spec.baseline; })) {
          throw UsageError(fmt::format(
              "--baseline {}: no cell runs it, so there would be no speedups; add -s {}",
              args->baseline, spec.baseline));
        }
      }
      for (const std::string& kv : args->context) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
          throw UsageError(fmt::format("--context {}: write key=value", kv));
        }
        if (!spec.context.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second) {
          throw UsageError(
              fmt::format("--context {}: the key '{}' is given twice", kv, kv.substr(0, eq)));
        }
      }
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
      std::cout << console_summary(result) << console_verdicts(result);
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
