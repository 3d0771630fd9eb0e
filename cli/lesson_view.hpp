// What `schedlab lesson` prints (cli/lesson_command.cpp runs the flow, suite/lesson.hpp is it).
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "schedlab/core/graph.hpp"
#include "schedlab/schedulers/observer.hpp"
#include "schedlab/suite/lesson.hpp"

namespace schedlab::cli {

// Words wrapped to lines of at most `width` characters, the first starting with `indent`, the
// others with `later` (default: `indent` too).
std::string wrapped(std::string_view text, size_t width = 88, std::string_view indent = "",
                    std::optional<std::string_view> later = std::nullopt);

// The graph's tasks in order, one per line, with what each sleeps (in the lesson's seconds) and
// the lock it holds.
std::string graph_text(const Graph& g, std::span<const NodeId> targets, double unit_ms);

// The graph as a picture beside the terminal text, when Graphviz is there to draw it; says
// where it went (or why not, and where the DOT text is).
std::string write_picture(const Graph& g, std::span<const NodeId> targets,
                          const std::string& svg_path);

// Asks until the answer is a number of seconds or nothing (Enter, or the end of the input).
std::optional<double> ask(const suite::LessonCase& c);

// Asks value question `number` (from 1) until the answer is a value or nothing.
std::optional<Value> ask_value(const suite::LessonQuestion& q, size_t number);

// The lessons, by notebook, with the first sentence of each.
void list_lessons();

std::string case_name(const suite::LessonCase& c);  // "threads with 2 workers"

// Shows a case's progress on a terminal while it runs: "  threads with 2 workers: 12/31 tasks,
// 3.2 s", redrawn at most ten times a second from whichever thread finishes a task (a lesson at
// the notebook's pace runs for a minute). Prints nothing elsewhere (a pipe, a test).
class CaseProgress final : public Observer {
 public:
  CaseProgress(std::string who, size_t tasks, bool terminal);
  ~CaseProgress() override;  // a case that failed leaves no half-drawn line under its error
  bool wants_tasks() const override { return terminal_; }  // elsewhere: no cost per task
  void run_started(const RunInfo&) override;
  void task_started(const TaskEvent&) override { draw(false); }
  void task_finished(const TaskEvent&) override;
  // "  threads with 2 workers: done" (over the progress line on a terminal).
  void finished();

 private:
  void draw(bool force);
  const std::string who_;
  const size_t tasks_;
  const bool terminal_;
  std::atomic<size_t> done_{0};
  std::atomic<int64_t> last_draw_ns_{0};
  Clock::time_point start_{};
  std::mutex drawing_;
  bool ended_ = false;
};

// After the runs: the table, the results, what the lesson shows, why (each case's reasoning),
// and what each guess that was off missed.
void print_outcome(const suite::Lesson& lesson, const kernels::BuiltScenario& built,
                   const std::vector<Value>& results);

}  // namespace schedlab::cli
