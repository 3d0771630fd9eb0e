// `schedlab lesson NAME`: "predict, then run" for a class. Shows the lesson and its graph, asks
// how long each case will take, runs the cases, and puts guess, prediction and measurement
// side by side with the reasoning; where a guess was off, the line of reasoning it missed.
//
// Guesses are in the notebook's seconds: one second is one unit (--unit, 1 s by default, so
// the lesson runs at the notebook's pace; 100ms makes it ten times quicker).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "schedlab/cli/commands.hpp"
#include "schedlab/cli/graph_source.hpp"
#include "schedlab/cli/lesson_feedback.hpp"
#include "schedlab/core/duration.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/graph_dot.hpp"
#include "schedlab/core/output_file.hpp"
#include "schedlab/core/plan.hpp"
#include "schedlab/core/predict.hpp"
#include "schedlab/core/suggest.hpp"
#include "schedlab/kernels/flights.hpp"
#include "schedlab/kernels/scenarios.hpp"
#include "schedlab/reports/graphviz.hpp"
#include "schedlab/reports/results.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/resource_usage.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/suite/prepared.hpp"

namespace schedlab::cli {
namespace {

const kernels::Scenario& lesson_scenario(const std::string& name) {
  std::vector<std::string> lessons;
  for (const kernels::Scenario& s : kernels::scenarios()) {
    if (!s.lesson_suite) continue;
    if (s.name == name) return s;
    lessons.push_back(s.name);
  }
  throw UsageError(
      fmt::format("'{}' is not a lesson{}; lessons: {} (`schedlab lesson` shows "
                  "them with their notebooks)",
                  name, did_you_mean(name, lessons), fmt::join(lessons, ", ")));
}

// Words wrapped to lines of at most `width` characters, each starting with `indent`.
std::string wrapped(std::string_view text, size_t width = 88, std::string_view indent = "") {
  std::string out, line(indent);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = indent;
    }
    if (line.size() > indent.size()) line += ' ';
    line += word;
    start = end + 1;
  }
  return out + line + "\n";
}

std::string graph_text(const Graph& g, std::span<const NodeId> targets, double unit_ms) {
  std::string out;
  for (NodeId n : plan_for(g, targets)->order) {
    std::string line = fmt::format("  {} = {}", g.key(n), describe_call(g, n));
    std::string notes;
    if (g.options(n).sleep_us && unit_ms > 0) {
      notes = fmt::format("sleeps {:g} s", g.options(n).sleep_ms() / unit_ms);
    }
    if (g.options(n).lock != LockKind::none) {
      notes += fmt::format("{}holds the {} lock", notes.empty() ? "" : ", ",
                           lock_name(g.options(n).lock));
    }
    if (!notes.empty())
      line += std::string(line.size() < 32 ? 34 - line.size() : 2, ' ') + "# " + notes;
    out += line + "\n";
  }
  return out;
}

// The graph as a picture beside the terminal text, when Graphviz is there to draw it.
std::string write_picture(const Graph& g, std::span<const NodeId> targets,
                          const std::string& svg_path) {
  const std::string dot = graph_to_dot(g, targets, "LR");
  const reports::Drawing drawing = reports::dot_to_svg(dot);
  if (drawing.svg) {
    write_output_file(svg_path, *drawing.svg);
    return fmt::format("(picture: {})", svg_path);
  }
  const std::string dot_path = svg_path + ".dot";
  write_output_file(dot_path, dot);
  return fmt::format("({}; the graph is in {})", drawing.why_not, dot_path);
}

// A guess in seconds: "3", "3s", "2.5" or "500ms", up to an hour. `typed` is what the error
// shows: the guess as the user wrote it.
double guess_seconds(const std::string& written, const std::string& typed) {
  // How people answer: "3", "3s", "3 s", "3 seconds", "3 sec", " 2.5 ".
  std::string text;
  for (char ch : written) {
    if (!std::isspace(static_cast<unsigned char>(ch))) text += ch;
  }
  for (const char* word : {"seconds", "second", "secs", "sec"}) {
    if (text.size() > std::strlen(word) && text.ends_with(word)) {
      text.resize(text.size() - std::strlen(word));
      text += 's';
      break;
    }
  }
  // A bare number is seconds; anything with a unit ("500ms", "3s", or a wrong "5m") is read as
  // written, so a wrong unit is an error rather than a different number.
  const bool bare = !text.empty() && std::isdigit(static_cast<unsigned char>(text.back()));
  try {
    return parse_duration_ms(bare ? text + "s" : text, typed, 3'600'000) / 1000;
  } catch (const UsageError&) {
    throw UsageError(fmt::format(
        "{}: write a number of seconds from 0 to 3600, such as 3, 2.5 or 500ms", typed));
  }
}

// Asks until the answer is a number of seconds or nothing (Enter, or the end of the input).
std::optional<double> ask(const LessonCase& c) {
  for (;;) {
    std::cout << fmt::format("  how long on {} with {} worker{}? (seconds, Enter to skip) ",
                             c.scheduler, c.workers, c.workers == 1 ? "" : "s")
              << std::flush;
    std::string line;
    if (!std::getline(std::cin, line) || line.find_first_not_of(" \t\r") == std::string::npos)
      return std::nullopt;
    try {
      return guess_seconds(line, "guess");
    } catch (const UsageError&) {
      std::cout << fmt::format(
          "  '{}' is not a number of seconds: write 3, 2.5, 3s or 500ms (Enter skips)\n",
          printable(line));
    }
  }
}

// `--guess SCHEDULER=SECONDS`, or SCHEDULER/WORKERS=SECONDS where the scheduler runs at several
// worker counts, given to its case.
void guess_ahead(const std::string& g, std::vector<LessonCase>& cases) {
  const size_t eq = g.find('=');
  std::string who = g.substr(0, eq);
  std::optional<unsigned> workers;
  if (const size_t slash = who.find('/'); slash != std::string::npos) {
    const std::string count = who.substr(slash + 1);
    if (!count.empty() && count.size() <= 4 &&
        count.find_first_not_of("0123456789") == std::string::npos)
      workers = static_cast<unsigned>(std::stoul(count));
    else
      workers = 0;  // matches no case: the message below says how to write it
    who.resize(slash);
  }
  std::vector<LessonCase*> matching;
  for (LessonCase& c : cases) {
    if (eq != std::string::npos && SchedulerRegistry::global().has(who) &&
        c.scheduler == SchedulerRegistry::global().info(who).name &&
        (!workers || c.workers == *workers))
      matching.push_back(&c);
  }
  if (matching.size() != 1) {
    std::vector<std::string> names;
    for (const LessonCase& c : cases) {
      const bool several = std::count_if(cases.begin(), cases.end(), [&](const LessonCase& o) {
                             return o.scheduler == c.scheduler;
                           }) > 1;
      names.push_back(several ? fmt::format("{}/{}", c.scheduler, c.workers) : c.scheduler);
    }
    throw UsageError(fmt::format(
        "--guess {}: write SCHEDULER=SECONDS for one of the lesson's cases ({}), e.g. {}=3", g,
        fmt::join(names, ", "), names.back()));
  }
  matching.front()->guess = guess_seconds(g.substr(eq + 1), "--guess " + g);
}

void list_lessons() {
  std::map<std::string, std::vector<const kernels::Scenario*>> by_seed;
  for (const kernels::Scenario& s : kernels::scenarios()) {
    if (s.lesson_suite) by_seed[s.seed].push_back(&s);
  }
  std::cout << "Lessons (schedlab lesson NAME):\n";
  for (const auto& [seed, list] : by_seed) {
    const std::string& title = list.front()->notebook;  // the scenarios of a seed share it
    std::cout << fmt::format("\n{} ({})\n", title.empty() ? seed : title, seed);
    for (const kernels::Scenario* s : list) {
      const size_t stop = s->lesson.find(". ");  // the first sentence, or all of a short one
      std::string first = stop == std::string::npos ? s->lesson : s->lesson.substr(0, stop + 1);
      std::cout << fmt::format("  {:<16} {}", s->name,
                               wrapped(first, 88, std::string(19, ' ')).substr(19));
    }
  }
}

}  // namespace

constexpr const char* kLessonPictures = "reports/lessons";

Command add_lesson(CLI::App& app) {
  struct Args {
    std::string name, unit = "1s", svg;
    std::vector<unsigned> workers{2};
    std::vector<std::string> guesses, params;
    bool no_input = false;
    LiveArgs live;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "lesson", "Predict, then run: a lesson for the classroom (no NAME: list the lessons)");
  sub->add_option("NAME", args->name, "a lesson scenario, e.g. slow-arithmetic or sleeplock");
  sub->add_option("-u,--unit", args->unit, "the notebook's second, e.g. 1s or 100ms")
      ->capture_default_str();
  sub->add_option("-w,--workers", args->workers,
                  "workers of the parallel schedulers (repeatable: each count is a case of its "
                  "own, e.g. -w 2 -w 4)")
      ->check(decimal_count())
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  sub->add_option("--guess", args->guesses,
                  "SCHEDULER=SECONDS, a guess given ahead (repeatable), e.g. threads=3; with "
                  "several -w, SCHEDULER/WORKERS=SECONDS, e.g. threads/4=2");
  sub->add_flag("--no-input", args->no_input, "ask nothing (for scripts and tests)");
  sub->add_option("-p,--param", args->params,
                  "scenario parameter name=value (repeatable), e.g. reduce=chain for inc-dbl");
  sub->add_option("--svg", args->svg,
                  "where to write the graph's picture (default: reports/lessons/NAME.svg)");
  args->live.add_options(*sub);
  return [args] {
    return args->live.run([&](live::LiveState* live) {
      if (args->name.empty()) {
        list_lessons();
        return 0;
      }
      const kernels::Scenario& s = lesson_scenario(args->name);
      const double unit_ms = parse_duration_ms(args->unit, "--unit");
      if (unit_ms <= 0) throw UsageError("--unit must be more than 0 for a lesson");
      const kernels::Params params =
          kernels::complete_params(s, kernels::parse_params(args->params));
      const std::string described = kernels::describe_params(s, params);
      // Pictures go with the reports, not into whatever folder the class started in (made when
      // the picture is written, so that a mistake found later leaves no empty folder behind).
      std::string svg = args->svg;
      if (svg.empty()) {
        const std::string stem =
            file_name_part(s.name + (described.empty() ? "" : "_" + described));
        svg = (std::filesystem::path(kLessonPictures) / (stem + ".svg")).string();
      } else {
        check_output_path(svg);
      }

      // A lesson with a GIL case (fib) runs under the emulated GIL, as Python would.
      const bool gil = std::any_of(s.classroom.begin(), s.classroom.end(),
                                   [](const kernels::ClassroomCase& c) { return c.gil; });
      // The three a class compares, as the notebooks do: the baseline, the first scheduler of
      // threads in one process, the first of a process per worker (sync, threads, processes).
      // Each at every -w (the baseline runs on one worker, once).
      std::vector<LessonCase> cases;
      auto first = [&](auto wanted) {
        for (const SchedulerInfo* info : SchedulerRegistry::global().list()) {
          if (!wanted(info->traits)) continue;
          for (unsigned w : args->workers) {
            const unsigned workers = info->workers_for(w);
            if (std::none_of(cases.begin(), cases.end(), [&](const LessonCase& c) {
                  return c.scheduler == info->name && c.workers == workers;
                }))
              cases.push_back({.scheduler = info->name, .workers = workers});
          }
          return;
        }
      };
      first([](const SchedulerTraits& t) { return t.speedup_baseline; });
      first([](const SchedulerTraits& t) {
        return !t.speedup_baseline && t.processes == ProcessModel::one_process;
      });
      first(
          [](const SchedulerTraits& t) { return t.processes == ProcessModel::process_per_worker; });
      for (const std::string& g : args->guesses) guess_ahead(g, cases);

      // The paragraph tells what happens: it comes after the class has guessed and seen the run.
      std::cout << fmt::format("{}{} ({}, \"{}\")\n\n", s.name,
                               described.empty() ? "" : " " + described, s.seed, s.notebook);
      kernels::BuiltScenario built =
          kernels::build_scenario(s, params, {unit_ms, kernels::default_data_dir()});
      if (args->svg.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(kLessonPictures, ec);
        check_output_path(svg);  // says what is wrong if the folder could not be made
      }
      std::cout << "The graph (one second = " << fmt::format("{:g} ms", unit_ms) << " here):\n"
                << graph_text(built.graph, built.targets, unit_ms)
                << write_picture(built.graph, built.targets, svg) << "\n\n";

      const bool interactive = !args->no_input && isatty(STDIN_FILENO);
      if (interactive) std::cout << "Predict first: how long will it take?\n";
      for (LessonCase& c : cases) {
        if (interactive && !c.guess) c.guess = ask(c);
      }

      std::cout << (interactive ? "\n" : "")
                << (live ? "Running... (watch it in the browser: the Live view address above)\n"
                         : "Running... (add --live to watch it in a browser)\n");
      suite::use_steady_allocator();
      const TaskCosts costs = suite::calibrate(built.graph, built.targets).costs;
      std::vector<Value> results;  // what the graph computes: the same on every scheduler
      for (size_t i = 0; i < cases.size(); ++i) {
        LessonCase& c = cases[i];
        const std::string who =
            fmt::format("{} with {} worker{}", c.scheduler, c.workers, c.workers == 1 ? "" : "s");
        if (live) live->cell_started(s.name + ": " + who, i, cases.size(), 0, 1);
        Prediction p =
            predict(built.graph, built.targets, costs,
                    SchedulerRegistry::global().info(c.scheduler).machine(c.workers, gil), unit_ms);
        c.predicted = p.predicted_ms / unit_ms;
        c.work = p.total_work_ms / unit_ms;
        c.span = p.critical_path_ms / unit_ms;
        c.chain = std::move(p.critical_chain);
        c.reasoning = std::move(p.reasoning);
        c.slowed_by = std::move(p.slowed_by);
        c.not_slowed_by = std::move(p.not_slowed_by);
        const MachineCpu before = machine_cpu();
        ComputeResult r = compute(
            built.graph, built.targets,
            {.scheduler = c.scheduler, .workers = c.workers, .gil = gil, .observers = {live}});
        const MachineCpu after = machine_cpu();
        c.measured = r.stats.wall_ms / unit_ms;
        c.busy = reports::Repetition{.wall_ms = r.stats.wall_ms,
                                     .other_cpu_ms = after.others_ms(before, r.stats.cpu_ms)}
                     .other_cpu_share(std::max(1u, std::thread::hardware_concurrency()));
        results = std::move(r.values);
        if (live) live->cell_finished(i, cases.size(), "done", false);
        // A lesson at the notebook's pace runs for a minute: say what has finished.
        std::cout << "  " << who << ": done\n" << std::flush;
      }

      std::cout << fmt::format("\n{:<12} {:>7}  {:>10}  {:>9}  {:>8}\n", "scheduler", "workers",
                               "your guess", "predicted", "measured");
      for (const LessonCase& c : cases) {
        std::cout << fmt::format("{:<12} {:>7}  {:>10}  {:>8.2f}s  {:>7.2f}s\n", c.scheduler,
                                 c.workers, c.guess ? fmt::format("{:.2f}s", *c.guess) : "-",
                                 c.predicted, c.measured);
      }
      std::cout << fmt::format("(seconds of the notebook: one is {:g} ms here{})\n", unit_ms,
                               gil ? "; run with the emulated GIL, as in Python" : "");
      for (size_t i = 0; i < results.size() && i < built.targets.size(); ++i) {
        std::cout << fmt::format("{} {} = {}\n", i == 0 ? "\nResult:" : "       ",
                                 built.graph.key(built.targets[i]), to_display(results[i], 100));
      }

      std::cout << fmt::format("\nWhat it shows:\n{}\n{}", wrapped(s.lesson),
                               wrapped("To remember: " + s.takeaway));
      std::cout << "\nWhy:\n";
      for (const LessonCase& c : cases) {
        std::cout << fmt::format("  {} with {} worker{}:\n", c.scheduler, c.workers,
                                 c.workers == 1 ? "" : "s");
        for (const std::string& line : c.reasoning) std::cout << "    " << line << "\n";
      }
      bool all_close = true;
      for (const LessonCase& c : cases) {
        if (!c.guess) continue;
        if (close_to(*c.guess, c.measured)) continue;
        all_close = false;
        std::cout << fmt::format(
            "\nYour guess for {} with {} worker{} was {:.2f}s; it took {:.2f}s. What you "
            "missed:\n  {}\n",
            c.scheduler, c.workers, c.workers == 1 ? "" : "s", *c.guess, c.measured,
            missed_line(c));
      }
      if (all_close &&
          std::any_of(cases.begin(), cases.end(), [](const LessonCase& c) { return c.guess; }))
        std::cout << "\nEvery guess was within 20% of the measurement.\n";
      return 0;
    });
  };
}

}  // namespace schedlab::cli
