// What `schedlab lesson` prints: the graph as text and as a picture, the questions, the table
// of guesses, predictions and measurements, what the lesson shows and why, and what a guess
// that was off missed.
#include "schedlab/cli/lesson_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

#include "schedlab/cli/graph_source.hpp"
#include "schedlab/core/graph_dot.hpp"
#include "schedlab/core/output_file.hpp"
#include "schedlab/core/plan.hpp"
#include "schedlab/reports/graphviz.hpp"

namespace schedlab::cli {

std::string wrapped(std::string_view text, size_t width, std::string_view indent,
                    std::optional<std::string_view> later) {
  std::string out, line(indent);
  std::string_view lead = indent;  // of the line being filled
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    if (line.size() > lead.size() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      lead = later.value_or(indent);
      line = lead;
    }
    if (line.size() > lead.size()) line += ' ';
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

namespace {

// Asks `prompt` until `read` makes something of the answer, saying `hint` after each answer it
// cannot read; nothing for Enter or the end of the input.
template <typename Read>
auto ask_until(const std::string& prompt, Read read, std::string_view hint)
    -> decltype(read(std::string())) {
  for (;;) {
    std::cout << prompt << std::flush;
    std::string line;
    if (!std::getline(std::cin, line) || line.find_first_not_of(" \t\r") == std::string::npos)
      return std::nullopt;
    if (auto v = read(line)) return v;
    std::cout << fmt::format("  '{}' is not {} (Enter skips)\n", printable(line), hint);
  }
}

}  // namespace

// Asks until the answer is a number of seconds or nothing (Enter, or the end of the input).
std::optional<double> ask(const suite::LessonCase& c) {
  return ask_until(
      fmt::format("  how long on {}? (seconds, Enter to skip) ", case_name(c)),
      [](const std::string& line) -> std::optional<double> {
        try {
          return suite::guess_seconds(line, "guess");
        } catch (const UsageError&) {
          return std::nullopt;
        }
      },
      "a number of seconds: write 3, 2.5, 3s or 500ms");
}

std::optional<Value> ask_value(const suite::LessonQuestion& q, size_t number) {
  return ask_until(fmt::format("  {}. {} = ? (a value, Enter to skip) ", number, q.asked),
                   suite::read_answer,
                   "a value: write a number, a string or a list such as [2, 3, 4, 5]");
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

CaseProgress::CaseProgress(std::string who, size_t tasks, bool terminal)
    : who_(std::move(who)), tasks_(tasks), terminal_(terminal) {}

void CaseProgress::run_started(const RunInfo& info) {
  start_ = info.start;
  draw(true);
}

void CaseProgress::task_finished(const TaskEvent&) {
  done_.fetch_add(1, std::memory_order_relaxed);
  draw(false);
}

void CaseProgress::draw(bool force) {
  if (!terminal_) return;
  const int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  int64_t last = last_draw_ns_.load(std::memory_order_relaxed);
  if (!force && now - last < 100'000'000) return;
  // One thread draws; the others go back to their tasks at once.
  if (!last_draw_ns_.compare_exchange_strong(last, now) && !force) return;
  std::unique_lock lock(drawing_, std::try_to_lock);
  if (!lock) return;
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  try {  // observers run inside the scheduler, where nothing may throw
    std::cout << fmt::format("\r\033[K  {}: {}/{} tasks, {:.1f} s", who_,
                             done_.load(std::memory_order_relaxed), tasks_, seconds)
              << std::flush;
  } catch (...) {
  }
}

void CaseProgress::finished() {
  ended_ = true;
  std::cout << (terminal_ ? "\r\033[K" : "") << "  " << who_ << ": done\n" << std::flush;
}

CaseProgress::~CaseProgress() {
  if (terminal_ && !ended_) std::cout << "\r\033[K" << std::flush;
}

std::string case_name(const suite::LessonCase& c) {
  return fmt::format("{} with {} worker{}{}", c.scheduler, c.workers, c.workers == 1 ? "" : "s",
                     c.threads > 1 ? fmt::format(" of {} threads", c.threads) : "");
}

void print_outcome(const suite::Lesson& lesson, const kernels::BuiltScenario& built,
                   const std::vector<Value>& results) {
  const std::vector<NodeId>& targets = built.targets;
  const std::vector<suite::LessonCase>& cases = lesson.cases();
  const kernels::Scenario& s = lesson.scenario();
  std::cout << fmt::format("\n{:<12} {:>7}  {:>10}  {:>9}  {:>8}\n", "scheduler", "workers",
                           "your guess", "predicted", "measured");
  for (const suite::LessonCase& c : cases) {
    const std::string workers =
        c.threads > 1 ? fmt::format("{}x{}", c.workers, c.threads) : std::to_string(c.workers);
    std::cout << fmt::format("{:<12} {:>7}  {:>10}  {:>8.2f}s  {:>7.2f}s\n", c.scheduler, workers,
                             c.guess ? fmt::format("{:.2f}s", *c.guess) : "-", c.predicted,
                             c.measured);
  }
  std::cout << fmt::format("(seconds of the notebook: one is {:g} ms here{})\n", lesson.unit_ms(),
                           lesson.gil() ? "; run with the emulated GIL, as in Python" : "");
  for (size_t i = 0; i < results.size() && i < targets.size(); ++i) {
    std::cout << fmt::format("{} {} = {}\n", i == 0 ? "\nResult:" : "       ",
                             built.graph.key(targets[i]), to_display(results[i], 100));
  }
  if (!lesson.questions().empty()) std::cout << "\nThe notebook's questions:\n";
  for (size_t i = 0; i < lesson.questions().size(); ++i) {
    const suite::LessonQuestion& q = lesson.questions()[i];
    std::cout << fmt::format("  {}. {} = {}", i + 1, q.asked, to_display(*q.value, 100));
    if (q.answer) {
      std::cout << fmt::format("   (your answer: {}{})", to_display(*q.answer, 60),
                               q.right() ? ", right" : ", not quite");
    }
    std::cout << "\n";
  }

  std::cout << fmt::format("\nWhat it shows:\n{}\n{}", wrapped(s.lesson),
                           wrapped("To remember: " + s.takeaway));
  std::cout << "\nWhy:\n";
  for (const suite::LessonCase& c : cases) {
    std::cout << "  " << case_name(c) << ":\n";
    for (const std::string& line : c.reasoning) std::cout << wrapped(line, 96, "    ", "      ");
  }
  bool all_close = true;
  for (const suite::LessonCase& c : cases) {
    if (!c.guess || suite::close_to(*c.guess, c.measured)) continue;
    all_close = false;
    std::cout << fmt::format("\nYour guess for {} was {:.2f}s; it took {:.2f}s. What you missed:\n",
                             case_name(c), *c.guess, c.measured)
              << wrapped(suite::missed_line(c), 96, "  ");
  }
  if (all_close &&
      std::any_of(cases.begin(), cases.end(), [](const suite::LessonCase& c) { return c.guess; }))
    std::cout << "\nEvery guess was within 20% of the measurement.\n";
}

}  // namespace schedlab::cli
