// `schedlab conformance`: the cases of cases.cpp through GoogleTest, printed a line per case.
#include <fmt/format.h>
#include <fnmatch.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ostream>
#include <sstream>

#include "schedlab/conformance/conformance.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::conformance {

std::string Target::name() const {
  return fmt::format("{} w={}{}", scheduler, workers,
                     threads > 1 ? fmt::format("x{}", threads) : "");
}

std::string Target::test_name() const {
  std::string out =
      fmt::format("{}_{}{}", scheduler, workers, threads > 1 ? fmt::format("x{}", threads) : "");
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return out;
}

std::vector<Target> targets_for(const std::vector<std::string>& schedulers,
                                const std::vector<unsigned>& workers, unsigned threads) {
  std::vector<Target> out;
  for (const std::string& name : schedulers) {
    const SchedulerInfo& info = SchedulerRegistry::global().info(name);
    const bool cluster = info.traits.processes == ProcessModel::processes_of_threads;
    const std::vector<unsigned> per_worker = !cluster  ? std::vector{1u}
                                             : threads ? std::vector{threads}
                                                       : std::vector{1u, 2u};
    for (unsigned w : workers) {
      for (unsigned t : per_worker) {
        const Target target{info.name, info.traits.fixed_workers ? info.traits.fixed_workers : w,
                            t};
        if (std::find(out.begin(), out.end(), target) == out.end()) out.push_back(target);
      }
    }
  }
  return out;
}

std::vector<Target> every_registered_target() {
  std::vector<std::string> names;
  for (const SchedulerInfo* s : SchedulerRegistry::global().list()) names.push_back(s->name);
  return targets_for(names, {1, 2, 4});
}

namespace {

// "SlowArithmetic/threads_2" -> case "SlowArithmetic", target "threads w=2" (the parameter
// as cases.cpp prints it).
std::pair<std::string, std::string> split_name(const ::testing::TestInfo& test) {
  std::string name = test.name();
  const size_t slash = name.rfind('/');
  return {name.substr(0, slash), test.value_param() ? test.value_param() : ""};
}

std::vector<std::string> patterns_of(const std::string& filter) {
  std::vector<std::string> out;
  std::istringstream in(filter);
  for (std::string pattern; std::getline(in, pattern, ',');) {
    if (!pattern.empty()) out.push_back(pattern);
  }
  return out;
}

bool selected_by(const std::vector<std::string>& patterns, const std::string& case_name) {
  if (patterns.empty()) return true;
  for (const std::string& p : patterns) {
    if (fnmatch(p.c_str(), case_name.c_str(), 0) == 0) return true;
  }
  return false;
}

// One line per case and target; what failed, indented, under its line; a summary at the end.
class LinePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit LinePrinter(std::ostream& out) : out_(out) {}

  void OnTestStart(const ::testing::TestInfo&) override {
    failures_.clear();
    failure_count_ = 0;
  }

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed()) {
      // A case that loops may fail the same way many times: the first few say it.
      if (++failure_count_ > kFailuresShown) return;
      // An exception a case did not expect has no place in the file: its message says it all.
      if (result.file_name())
        failures_ += fmt::format("{}:{}: ", result.file_name(), result.line_number());
      failures_ += fmt::format("{}\n", result.message());
    } else if (result.skipped() && result.message() && *result.message()) {
      skip_reason_ = result.message();
    }
  }

  void OnTestEnd(const ::testing::TestInfo& test) override {
    const ::testing::TestResult& r = *test.result();
    auto [name, target] = split_name(test);
    const char* status = r.Failed() ? "FAIL" : r.Skipped() ? "skip" : "ok";
    std::string detail = r.Skipped() ? skip_reason_ : fmt::format("{} ms", r.elapsed_time());
    out_ << fmt::format("{:<5} {:<52} {:<16} {}\n", status, name, target, detail);
    if (r.Failed()) {
      std::istringstream lines(failures_);
      for (std::string line; std::getline(lines, line);) out_ << "      " << line << "\n";
      if (failure_count_ > kFailuresShown)
        out_ << fmt::format("      ... and {} more failures\n", failure_count_ - kFailuresShown);
      ++failed_;
    } else if (r.Skipped()) {
      ++skipped_;
    } else {
      ++passed_;
    }
    skip_reason_.clear();
    out_.flush();
  }

  void OnTestProgramEnd(const ::testing::UnitTest& unit) override {
    out_ << fmt::format("\n{} passed, {} failed, {} skipped ({:.1f} s)\n", passed_, failed_,
                        skipped_, unit.elapsed_time() / 1000.0);
  }

 private:
  static constexpr int kFailuresShown = 3;
  std::ostream& out_;
  std::string failures_, skip_reason_;
  int failure_count_ = 0;
  int passed_ = 0, failed_ = 0, skipped_ = 0;
};

}  // namespace

int run(const Options& options, std::ostream& out) {
  set_targets(options.targets.empty() ? every_registered_target() : options.targets);
  // GoogleTest makes a test of each (case, target) when it is initialised.
  ::unsetenv("GTEST_TOTAL_SHARDS");
  ::unsetenv("GTEST_SHARD_INDEX");
  int argc = 1;
  char name[] = "schedlab conformance";
  char* argv[] = {name, nullptr};
  ::testing::InitGoogleTest(&argc, argv);
  const std::vector<std::string> patterns = patterns_of(options.filter);
  // Only what is asked for here: no sharding, repeating, shuffling or output file from a
  // GTEST_* variable the environment happens to have.
  GTEST_FLAG_SET(repeat, 1);
  GTEST_FLAG_SET(shuffle, false);
  GTEST_FLAG_SET(output, "");
  GTEST_FLAG_SET(brief, false);
  GTEST_FLAG_SET(print_time, false);
  ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();

  // What the filter selects, counted (and listed) before anything runs, and given to GoogleTest
  // by full name so that both agree.
  int selected = 0;
  std::string chosen_names;
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const ::testing::TestInfo& test = *suite.GetTestInfo(j);
      auto [case_name, target] = split_name(test);
      if (!selected_by(patterns, case_name)) continue;
      ++selected;
      chosen_names +=
          fmt::format("{}{}.{}", chosen_names.empty() ? "" : ":", suite.name(), test.name());
      if (options.list) out << fmt::format("{:<52} {}\n", case_name, target);
    }
  }
  if (selected == 0) return 2;
  GTEST_FLAG_SET(filter, chosen_names);
  if (options.list) return 0;
  std::string on;
  for (const Target& t : targets()) on += (on.empty() ? "" : ", ") + t.name();
  out << fmt::format("Conformance: {} checks on {}\n\n", selected, on);

  ::testing::TestEventListeners& listeners = unit.listeners();
  delete listeners.Release(listeners.default_result_printer());
  listeners.Append(new LinePrinter(out));
  const int failed = RUN_ALL_TESTS();
  if (signal_requested()) throw Interrupted();  // exit 130 or 143, as any stopped command
  return failed == 0 ? 0 : 1;
}

}  // namespace schedlab::conformance
