// The lesson flow behind `schedlab lesson`, as a use case the command prints: which lesson, which
// cases a class compares (from the registry's traits), the guesses given ahead, then for each
// case the prediction (the suite's one prediction path) and one measured run.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "schedlab/kernels/scenarios.hpp"
#include "schedlab/schedulers/observer.hpp"
#include "schedlab/suite/lesson_feedback.hpp"
#include "schedlab/suite/prepared.hpp"

namespace schedlab::suite {

struct LessonSettings {
  std::string name{};                 // a lesson scenario (Scenario::lesson_suite)
  std::vector<std::string> params{};  // name=value
  double unit_ms = 1000;              // the notebook's second
  std::vector<unsigned> workers{2};   // each count is a case of every parallel scheduler
  // The parallel schedulers to compare with the baseline (empty: the first of threads in one
  // process and the first of a process per worker, as the notebooks compare).
  std::vector<std::string> schedulers{};
  unsigned threads_per_worker = 1;     // of distributed's worker processes
  uint64_t memory_limit = 0;           // bytes per worker process (distributed), 0: none
  std::vector<std::string> guesses{};  // SCHEDULER=SECONDS or SCHEDULER/WORKERS=SECONDS
  std::vector<std::string> answers{};  // N=VALUE: an answer to the lesson's value question N
  std::optional<bool> gil{};           // the emulated GIL; unset: where the lesson has a GIL case
  bool fresh_pool = false;             // --pool fresh, where a scheduler keeps a pool
  unsigned chunksize = 1;              // --chunksize, likewise
  std::string data_dir{};              // empty: kernels::default_data_dir()
};

// The lesson scenario called `name`; UsageError listing the lessons otherwise.
const kernels::Scenario& find_lesson(const std::string& name);

// A guess in seconds: "3", "3s", "3 seconds", "2.5" or "500ms", up to an hour. `typed` is what an
// error names (the flag and the guess as written).
double guess_seconds(const std::string& written, const std::string& typed);

// The cases a class compares, as the notebooks do: the speedup baseline once, then each of
// `schedulers` (names or aliases; none: the first registered scheduler of threads in one
// process and the first of a process per worker) at every count of `workers`, with
// `threads_per_worker` where the scheduler's workers are processes of threads.
std::vector<LessonCase> lesson_cases(std::span<const unsigned> workers,
                                     std::span<const std::string> schedulers = {},
                                     unsigned threads_per_worker = 1);

// Dask's client summary for a case on worker processes of threads, e.g. "distributed: 2 worker
// processes x 2 threads = 4 threads, memory limit 4 GB each (8 GB)"; "" for other schedulers.
std::string cluster_summary(const LessonCase& c, uint64_t memory_limit);

// Gives `guess` (SCHEDULER=SECONDS, or SCHEDULER/WORKERS=SECONDS where a scheduler has several
// cases) to its case; UsageError listing the cases when it names none or several.
void apply_guess(const std::string& guess, std::vector<LessonCase>& cases);

// One of the notebook's value questions, the class's answer and, after the run, the value.
struct LessonQuestion {
  std::string asked{};
  std::vector<NodeId> nodes{};    // whose values answer it (several: their list)
  std::optional<Value> answer{};  // the class's
  std::optional<Value> value{};   // computed
  bool right() const;             // the answer is the value (numbers equal within 1e-9)
};

// An answer as people write it: a number, a string, or a list in brackets or parentheses
// ("(2, 3, 4, 5)", as Python prints a tuple); nullopt if it is none of those.
std::optional<Value> read_answer(const std::string& text);

class Lesson {
 public:
  // Validates everything (the lesson, its parameters, the unit, the guesses: UsageError) and
  // builds the graph (the flights data are made then, the first time).
  explicit Lesson(LessonSettings settings);

  const kernels::Scenario& scenario() const { return scenario_; }
  const std::string& described() const { return described_; }  // its parameters, "" if none
  double unit_ms() const { return settings_.unit_ms; }
  // Whether the lesson runs under the emulated GIL, as Python would: as asked, else where it has
  // a GIL case (fib).
  bool gil() const { return gil_; }
  std::vector<LessonCase>& cases() { return cases_; }
  const std::vector<LessonCase>& cases() const { return cases_; }
  uint64_t memory_limit() const { return settings_.memory_limit; }
  std::vector<LessonQuestion>& questions() { return questions_; }
  const std::vector<LessonQuestion>& questions() const { return questions_; }
  // Computes the values that answer the questions (once, on the baseline without its sleeps:
  // a value does not depend on the scheduler).
  void compute_answers();

  const kernels::BuiltScenario& built() const { return built_; }

  // Predicts case i and runs it once (calibrating the graph first, once), filling in its
  // prediction, measurement and how busy the machine was. Workers that are reused (a pool, a
  // cluster) are started before the clock starts, as a suite's warm-up would (a fresh pool's
  // start is part of the run, and of the prediction). Returns what the graph computed.
  std::vector<Value> run_case(size_t i, std::span<Observer* const> observers = {});

 private:
  LessonSettings settings_;
  const kernels::Scenario& scenario_;
  kernels::Params params_;
  std::string described_;
  bool gil_ = false;
  std::vector<LessonCase> cases_;
  std::vector<LessonQuestion> questions_;
  kernels::BuiltScenario built_;
  std::optional<Calibration> calibration_;
};

}  // namespace schedlab::suite
