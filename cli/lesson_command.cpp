// `schedlab lesson NAME`: "predict, then run" for a class. Shows the lesson and its graph, asks
// how long each case will take, runs the cases, and puts guess, prediction and measurement
// side by side with the reasoning; where a guess was off, the line of reasoning it missed.
//
// Guesses are in the notebook's seconds: one second is one unit (--unit, 1 s by default, so
// the lesson runs at the notebook's pace; 100ms makes it ten times quicker).
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "schedlab/cli/commands.hpp"
#include "schedlab/cli/graph_source.hpp"
#include "schedlab/cli/lesson_view.hpp"
#include "schedlab/cli/profile_view.hpp"
#include "schedlab/core/duration.hpp"
#include "schedlab/core/output_file.hpp"
#include "schedlab/core/plan.hpp"
#include "schedlab/schedulers/op_profile.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/suite/lesson.hpp"

namespace schedlab::cli {

// Where pictures go unless --out or --svg says: under the system's temporary folder, never into
// whatever folder the class started in.
std::string default_picture_folder() {
  std::error_code ec;
  const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  return ((ec ? std::filesystem::path("/tmp") : tmp) / "schedlab-lessons").string();
}

Command add_lesson(CLI::App& app) {
  struct Args {
    suite::LessonSettings settings;
    std::string unit = "1s", svg, out;
    std::optional<bool> gil;
    bool no_input = false, profile = false;
    ClusterArgs cluster;
    LiveArgs live;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "lesson", "Predict, then run: a lesson for the classroom (no NAME: list the lessons)");
  sub->add_option("NAME", args->settings.name,
                  "a lesson scenario, e.g. slow-arithmetic or sleeplock");
  sub->add_option("-u,--unit", args->unit, "the notebook's second, e.g. 1s or 100ms")
      ->capture_default_str();
  sub->add_option("-w,--workers", args->settings.workers,
                  "workers of the parallel schedulers (repeatable: each count is a case of its "
                  "own, e.g. -w 2 -w 4)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  sub->add_option("--guess", args->settings.guesses,
                  "SCHEDULER=SECONDS, a guess given ahead (repeatable), e.g. threads=3; with "
                  "several -w, SCHEDULER/WORKERS=SECONDS, e.g. threads/4=2");
  sub->add_option("--answer", args->settings.answers,
                  "N=VALUE, an answer to the lesson's value question N given ahead (repeatable), "
                  "e.g. --answer 1=[2,3,4,5] for map-reduce");
  sub->add_flag("--no-input", args->no_input, "ask nothing (for scripts and tests)");
  sub->add_flag("--profile", args->profile,
                "after the outcome, the time per op of each case, as %prun shows it: where it "
                "went to work and where to waiting for a lock or the GIL");
  sub->add_option("-p,--param", args->settings.params,
                  "scenario parameter name=value (repeatable), e.g. reduce=chain for inc-dbl");
  sub->add_option("-o,--out", args->out,
                  "the folder for the graph's picture (default: schedlab-lessons in the system's "
                  "temporary folder)");
  sub->add_option("--svg", args->svg, "where to write the graph's picture (default: OUT/NAME.svg)");
  sub->add_flag("--gil,!--no-gil", args->gil,
                "run under the emulated GIL, as Python would, or not (default: where the lesson "
                "has a GIL case, fib)");
  sub->add_option("-s,--scheduler", args->settings.schedulers,
                  "a parallel scheduler to compare with sync (repeatable; default: threads and "
                  "processes), e.g. -s distributed --threads-per-worker 2 for seed 001's cluster")
      ->each([](const std::string& name) { SchedulerRegistry::global().info(name); });
  args->cluster.add_options(*sub);
  args->live.add_options(*sub);
  return [args] {
    return args->live.run([&](live::LiveState* live) {
      if (args->settings.name.empty()) {
        list_lessons();
        return 0;
      }
      args->settings.unit_ms = parse_duration_ms(args->unit, "--unit");
      args->settings.gil = args->gil;
      args->settings.fresh_pool = args->cluster.fresh_pool();
      args->settings.chunksize = args->cluster.chunksize;
      args->settings.threads_per_worker = args->cluster.threads_per_worker;
      args->settings.memory_limit = args->cluster.memory_limit_bytes();
      suite::Lesson lesson(args->settings);
      const kernels::Scenario& s = lesson.scenario();
      const double unit_ms = lesson.unit_ms();
      // Pictures go with the reports, not into whatever folder the class started in (made when
      // the picture is written, so that a mistake found later leaves no empty folder behind).
      const std::string folder = args->out.empty() ? default_picture_folder() : args->out;
      std::string svg = args->svg;
      if (svg.empty()) {
        const std::string stem =
            file_name_part(s.name + (lesson.described().empty() ? "" : "_" + lesson.described()));
        svg = (std::filesystem::path(folder) / (stem + ".svg")).string();
      } else {
        check_output_path(svg);
      }

      // The paragraph tells what happens: it comes after the class has guessed and seen the run.
      std::cout << fmt::format("{}{} ({}, \"{}\")\n\n", s.name,
                               lesson.described().empty() ? "" : " " + lesson.described(), s.seed,
                               s.notebook);
      const kernels::BuiltScenario& built = lesson.built();
      if (args->svg.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(folder, ec);
        check_output_path(svg);  // says what is wrong if the folder could not be made
      }
      std::cout << "The graph (one second = " << fmt::format("{:g} ms", unit_ms) << " here):\n"
                << graph_text(built.graph, built.targets, unit_ms)
                << write_picture(built.graph, built.targets, svg) << "\n\n";

      std::vector<suite::LessonCase>& cases = lesson.cases();
      for (const suite::LessonCase& c : cases) {  // as Dask prints its client
        const std::string cluster = suite::cluster_summary(c, lesson.memory_limit());
        if (!cluster.empty()) std::cout << "Cluster: " << cluster << "\n";
      }
      const bool interactive = !args->no_input && isatty(STDIN_FILENO);
      if (interactive) std::cout << "Predict first: how long will it take?\n";
      for (suite::LessonCase& c : cases) {
        if (interactive && !c.guess) c.guess = ask(c);
      }
      if (interactive && !lesson.questions().empty()) std::cout << "\nAnd what will it compute?\n";
      for (size_t i = 0; i < lesson.questions().size(); ++i) {
        suite::LessonQuestion& q = lesson.questions()[i];
        if (interactive && !q.answer) q.answer = ask_value(q, i + 1);
      }

      std::cout << (interactive ? "\n" : "")
                << (live ? "Running... (watch it in the browser: the Live view address above)\n"
                         : "Running... (add --live to watch it in a browser)\n");
      suite::use_steady_allocator();
      std::vector<Value> results;  // what the graph computes: the same on every scheduler
      const size_t tasks = plan_for(built.graph, built.targets)->tasks;
      std::vector<OpProfiler> profiles(args->profile ? cases.size() : 0);
      for (size_t i = 0; i < cases.size(); ++i) {
        const std::string who = case_name(cases[i]);
        if (live) live->cell_started(s.name + ": " + who, i, cases.size(), 0, 1);
        CaseProgress progress(who, tasks, isatty(STDOUT_FILENO));
        std::vector<Observer*> observers{&progress};
        if (live) observers.push_back(live);
        if (args->profile) observers.push_back(&profiles[i]);
        results = lesson.run_case(i, observers);
        if (live) live->cell_finished(i, cases.size(), "done", false);
        progress.finished();
      }
      lesson.compute_answers();
      print_outcome(lesson, built, results);
      for (size_t i = 0; i < profiles.size(); ++i) {
        std::cout << fmt::format("\nTime per op on {}:\n", case_name(cases[i]))
                  << profile_table(profiles[i].table());
      }
      return 0;
    });
  };
}

}  // namespace schedlab::cli
