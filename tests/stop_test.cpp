// Stopping early, as a user sees it: Ctrl-C, SIGTERM, timeouts and dying workers, through the
// CLI in a child process. Every test also checks that nothing is left behind: no worker process
// and no shared-memory segment of that CLI. Time bounds are generous sanity bounds (the tasks
// would take 10 s; a stop must take well under 5).
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "tests/test_support.hpp"

extern char** environ;

namespace schedlab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::vector<std::string> shm_of(pid_t pid) {
  const std::string prefix = "schedlab-" + std::to_string(pid) + "-";
  std::vector<std::string> out;
  if (DIR* d = opendir("/dev/shm")) {
    while (dirent* e = readdir(d)) {
      if (std::string(e->d_name).rfind(prefix, 0) == 0) out.emplace_back(e->d_name);
    }
    closedir(d);
  }
  return out;
}

// Children of every thread (the processes pool forks its workers from a thread of its own).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(parent) + "/task", ec)) {
    std::ifstream list(task.path() / "children");
    for (pid_t pid; list >> pid;) out.push_back(pid);
  }
  return out;
}

// A graph file in the temporary directory, removed when the test is done with it.
class GraphFile {
 public:
  GraphFile(const std::string& name, const std::string& json)
      : path_(::testing::TempDir() + "schedlab_stop_" + std::to_string(getpid()) + "_" + name +
              ".json") {
    std::ofstream(path_) << json;
  }
  GraphFile(const GraphFile&) = delete;
  GraphFile& operator=(const GraphFile&) = delete;
  ~GraphFile() { std::remove(path_.c_str()); }
  // Implicit: it goes where the CLI takes its arguments as strings.
  operator const std::string&() const { return path_; }

 private:
  std::string path_;
};

GraphFile graph_file(const std::string& name, const std::string& json) {
  return {name, json};
}

// Two tasks that sleep 10 s each.
GraphFile sleepers() {
  return graph_file("sleep", R"({"tasks": {
      "a": {"op": "inc", "args": [1], "sleep_ms": 10000},
      "b": {"op": "inc", "args": [2], "sleep_ms": 10000}}})");
}

// The CLI in a child process, its output in files.
class Cli {
 public:
  explicit Cli(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    out_ = ::testing::TempDir() + "schedlab_stop_out_" + std::to_string(getpid());
    err_ = out_ + ".err";
    args.insert(args.begin(), SCHEDLAB_BIN);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_text;
    for (char** e = environ; *e; ++e) env_text.emplace_back(*e);
    for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      ADD_FAILURE() << "cannot start " << SCHEDLAB_BIN << ": " << std::strerror(spawned);
      pid_ = 0;
      reaped_ = true;
    }
  }
  ~Cli() {
    if (!reaped_ && pid_ > 0) {  // never kill(0): that is our own process group
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::remove(out_.c_str());
    std::remove(err_.c_str());
  }
  pid_t pid() const { return pid_; }

  // Waits until the CLI has n worker processes (the processes scheduler has started).
  std::vector<pid_t> workers(size_t n) {
    for (int i = 0; i < 1000; ++i) {
      auto kids = children_of(pid_);
      if (kids.size() == n) return kids;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "the CLI never had " << n << " workers";
    return {};
  }
  // Waits until the CLI handles SIGINT (its handlers are installed), so that a signal sent now
  // is the CLI's to handle, not the default action's.
  void wait_until_ready() {
    const std::string status_path = "/proc/" + std::to_string(pid_) + "/status";
    for (int i = 0; i < 2000; ++i) {
      std::ifstream status(status_path);
      for (std::string line; std::getline(status, line);) {
        if (line.rfind("SigCgt:", 0) == 0 &&
            (std::stoull(line.substr(7), nullptr, 16) >> (SIGINT - 1) & 1)) {
          return;
        }
      }
      std::this_thread::sleep_for(2ms);
    }
    ADD_FAILURE() << "the CLI never installed its signal handlers";
  }
  // Signals the CLI, waits for it, and returns how long that took.
  Clock::duration signal_and_wait(int sig) {
    if (pid_ <= 0) return {};
    kill(pid_, sig);
    const auto start = Clock::now();
    wait();
    return Clock::now() - start;
  }
  // The exit status, or minus the signal that killed the CLI (so that a death by the default
  // action of SIGINT never passes for a clean exit 130).
  int wait() {
    if (!reaped_) {
      waitpid(pid_, &status_, 0);
      reaped_ = true;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -WTERMSIG(status_);
  }
  std::string out() const { return testing::slurp(out_); }
  std::string err() const { return testing::slurp(err_); }
  // The leak guard: the CLI left no worker and no segment behind.
  void expect_nothing_left(const std::vector<pid_t>& workers = {}) const {
    for (pid_t w : workers) {
      // A worker dies of its parent's death by a signal the kernel sends as the parent exits
      // (PR_SET_PDEATHSIG): it may still be on its way out when the parent is reaped, so it is
      // given a (generous) second.
      auto gone = [w] {
        return kill(w, 0) != 0 ||
               testing::slurp("/proc/" + std::to_string(w) + "/stat").find(") Z") !=
                   std::string::npos;
      };
      for (int i = 0; i < 1000 && !gone(); ++i) std::this_thread::sleep_for(1ms);
      EXPECT_TRUE(gone()) << "worker " << w << " outlived the CLI";
    }
    EXPECT_THAT(shm_of(pid_), ::testing::IsEmpty());
  }

 private:
  pid_t pid_ = 0;
  int status_ = 0;
  bool reaped_ = false;
  std::string out_, err_;
};

std::vector<std::string> in_process_schedulers() {
  std::vector<std::string> out{"sync", "threads"};
  if (SchedulerRegistry::global().has("openmp")) out.push_back("openmp");
  return out;
}

TEST(Stop, SigintSigtermAndSighupStopSleepingTasksAtOnceOnEveryScheduler) {
  const GraphFile graph = sleepers();
  std::vector<std::string> schedulers = in_process_schedulers();
  schedulers.push_back("processes");
  for (const std::string& s : schedulers) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      SCOPED_TRACE(s + " " + strsignal(sig));
      Cli cli({"compute", graph, "-s", s, "-w", "2"});
      std::vector<pid_t> workers = s == "processes" ? cli.workers(2) : std::vector<pid_t>{};
      cli.wait_until_ready();
      std::this_thread::sleep_for(200ms);  // the tasks are sleeping now
      EXPECT_LT(cli.signal_and_wait(sig), 5s);
      EXPECT_EQ(cli.wait(), 128 + sig);  // 130, 143, 129
      EXPECT_EQ(cli.out(), "");          // no results of an interrupted compute
      EXPECT_THAT(cli.err(), HasSubstr(sig == SIGINT    ? "interrupted"
                                       : sig == SIGTERM ? "terminated (SIGTERM)"
                                                        : "hung up (SIGHUP)"));
      cli.expect_nothing_left(workers);
    }
  }
}

TEST(Stop, SigintStopsComputingTasksOnThreadsAndProcesses) {
  // Eight tasks of 10 s of computing each: busy, and fib, which only recursion computes.
  std::string tasks;
  for (int i = 0; i < 8; ++i) {
    tasks += fmt::format(
        "{}\"t{}\": {}", i ? ", " : "", i,
        i % 2 ? R"({"op": "busy", "args": [10000]})" : R"({"op": "fib", "args": [50]})");
  }
  const GraphFile graph = graph_file("busy", "{\"tasks\": {" + tasks + "}}");
  for (const std::string s : {"threads", "processes"}) {
    SCOPED_TRACE(s);
    Cli cli({"compute", graph, "-s", s, "-w", "2"});
    std::vector<pid_t> workers =
        s == std::string("processes") ? cli.workers(2) : std::vector<pid_t>{};
    // Not before its handler is in place (CI's asan build was SIGINTed dead 300 ms in).
    cli.wait_until_ready();
    std::this_thread::sleep_for(300ms);
    EXPECT_LT(cli.signal_and_wait(SIGINT), 5s);
    EXPECT_EQ(cli.wait(), 130);
    EXPECT_EQ(cli.out(), "");
    cli.expect_nothing_left(workers);
  }
}

TEST(Stop, ATaskThatIgnoresTheStopIsLeftBehindAfterTheGracePeriod) {
  // `hang` never looks at the stop flag, as user code may not; a thread cannot be killed.
  const GraphFile graph = graph_file("hang", R"({"tasks": {"h": {"op": "hang"}}})");
  Cli cli({"compute", graph, "-s", "threads", "-w", "1"});
  cli.wait_until_ready();
  std::this_thread::sleep_for(200ms);
  EXPECT_LT(cli.signal_and_wait(SIGINT), 5s);
  EXPECT_EQ(cli.wait(), 130);
  EXPECT_THAT(cli.err(), HasSubstr("did not stop within"));
  cli.expect_nothing_left();
}

TEST(Stop, ASecondSigintExitsAtOnce) {
  const GraphFile graph = graph_file("hang2", R"({"tasks": {"h": {"op": "hang"}}})");
  Cli cli({"compute", graph, "-s", "threads", "-w", "1"});
  cli.wait_until_ready();
  std::this_thread::sleep_for(200ms);
  kill(cli.pid(), SIGINT);
  // Two signals close together may arrive as one (ThreadSanitizer delivers them late, merged):
  // the second comes well after the first, and well before the watchdog's grace period ends.
  std::this_thread::sleep_for(200ms);
  kill(cli.pid(), SIGINT);
  EXPECT_EQ(cli.wait(), 130);
  // Gone from the signal handler, before the watchdog's grace period could say anything (not
  // checkable under ThreadSanitizer, which delays the second signal past the grace period).
  if (!testing::kThreadSanitizer) {
    EXPECT_THAT(cli.err(), Not(HasSubstr("did not stop within")));
  }
  cli.expect_nothing_left();
}

TEST(Stop, ASecondSigintDuringAProcessesRunStillRemovesSharedMemory) {
  const GraphFile graph = sleepers();
  Cli cli({"compute", graph, "-s", "processes", "-w", "2"});
  std::vector<pid_t> workers = cli.workers(2);
  cli.wait_until_ready();
  kill(cli.pid(), SIGINT);
  std::this_thread::sleep_for(50ms);
  kill(cli.pid(), SIGINT);
  EXPECT_EQ(cli.wait(), 130);
  cli.expect_nothing_left(workers);
}

TEST(Stop, AProcessesRunKeepsNoNamedSegmentOnceItsWorkersAreForked) {
  // So SIGKILL of schedlab leaves nothing in /dev/shm for the next start to clean.
  const GraphFile graph = sleepers();
  Cli cli({"compute", graph, "-s", "processes", "-w", "2"});
  std::vector<pid_t> workers = cli.workers(2);
  std::this_thread::sleep_for(100ms);
  EXPECT_THAT(shm_of(cli.pid()), ::testing::IsEmpty());
  cli.signal_and_wait(SIGKILL);
  cli.expect_nothing_left();
}

TEST(Stop, AKilledWorkerFailsTheRunAtOnceAndTheOtherTasksAreAbandoned) {
  const GraphFile graph = sleepers();
  Cli cli({"compute", graph, "-s", "processes", "-w", "2"});
  std::vector<pid_t> workers = cli.workers(2);
  std::this_thread::sleep_for(200ms);
  kill(workers[0], SIGKILL);
  const auto start = Clock::now();
  EXPECT_EQ(cli.wait(), 3);
  EXPECT_LT(Clock::now() - start, 5s);  // not when the other worker's 10 s task ends
  EXPECT_THAT(cli.err(), HasSubstr(fmt::format("(pid {}) was killed by signal 9", workers[0])));
  EXPECT_THAT(cli.err(), HasSubstr("while running task '"));
  cli.expect_nothing_left(workers);
}

TEST(Stop, AStoppedWorkerIsKilledAndReportedAfterTheGracePeriod) {
  const GraphFile graph = sleepers();
  Cli cli({"compute", graph, "-s", "processes", "-w", "2"});
  std::vector<pid_t> workers = cli.workers(2);
  std::this_thread::sleep_for(200ms);
  kill(workers[1], SIGSTOP);
  const auto start = Clock::now();
  EXPECT_EQ(cli.wait(), 3);
  EXPECT_LT(Clock::now() - start, 8s);  // 2 s of grace, not forever
  EXPECT_THAT(cli.err(), HasSubstr("stopped (state T"));
  cli.expect_nothing_left(workers);
}

TEST(Stop, SigintWinsOverAStoppedWorker) {
  const GraphFile graph = sleepers();
  Cli cli({"compute", graph, "-s", "processes", "-w", "2"});
  std::vector<pid_t> workers = cli.workers(2);
  cli.wait_until_ready();
  std::this_thread::sleep_for(200ms);
  kill(workers[0], SIGSTOP);
  EXPECT_LT(cli.signal_and_wait(SIGINT), 5s);
  EXPECT_EQ(cli.wait(), 130);
  cli.expect_nothing_left(workers);
}

// A worker dying at each stage of a task, as CPython's test_deadlock.py does for its pool.
TEST(Stop, AWorkerDyingAtAnyStageOfATaskIsReported) {
  const GraphFile graph = graph_file("quick", R"({"tasks": {
      "a": {"op": "add", "args": [[1, 2], [3]]}, "b": {"op": "inc", "args": [2]}}})");
  const std::map<std::string, std::string> expected{{"receive", "killed by signal 9"},
                                                    {"run", "killed by signal 9"},
                                                    {"send", "killed by signal 9"},
                                                    {"exit0", "exited with code 0"}};
  for (const auto& [stage, how] : expected) {
    SCOPED_TRACE(stage);
    Cli cli({"compute", graph, "-s", "processes", "-w", "2"}, {{"SCHEDLAB_WORKER_FAULT", stage}});
    EXPECT_EQ(cli.wait(), 3);
    EXPECT_THAT(cli.err(), HasSubstr(how));
    EXPECT_THAT(cli.err(), HasSubstr("while running task '"));
    EXPECT_EQ(cli.out(), "");
    cli.expect_nothing_left();
  }
}

TEST(Stop, TaskTimeoutNamesTheTaskOnEveryScheduler) {
  const GraphFile graph = sleepers();
  std::vector<std::string> schedulers = in_process_schedulers();
  schedulers.push_back("processes");
  for (const std::string& s : schedulers) {
    SCOPED_TRACE(s);
    Cli cli({"compute", graph, "-s", s, "-w", "2", "--task-timeout", "100ms"});
    const auto start = Clock::now();
    EXPECT_EQ(cli.wait(), 124);
    EXPECT_LT(Clock::now() - start, 5s);
    EXPECT_THAT(cli.err(), HasSubstr("ran longer than --task-timeout 100 ms"));
    EXPECT_THAT(cli.err(), ::testing::ContainsRegex("task '[ab]' \\(op inc\\)"));
    EXPECT_EQ(cli.out(), "");
    cli.expect_nothing_left();
  }
}

TEST(Stop, RunTimeoutKillsAHangingProcessesWorker) {
  const GraphFile graph = graph_file("hang3", R"({"tasks": {"h": {"op": "hang"}}})");
  Cli cli({"compute", graph, "-s", "processes", "-w", "1", "--timeout", "150ms"});
  std::vector<pid_t> workers = cli.workers(1);
  EXPECT_EQ(cli.wait(), 124);
  EXPECT_THAT(cli.err(), HasSubstr("took longer than --timeout 150 ms; task 'h' (op hang)"));
  EXPECT_THAT(cli.err(), Not(HasSubstr("did not stop within")));  // the worker was killed
  cli.expect_nothing_left(workers);
}

TEST(Stop, ATimedOutRunWritesItsReportsAndExits124) {
  // threads cannot kill the hanging task: the watchdog writes the reports and leaves.
  const GraphFile graph = graph_file("hang4", R"({"tasks": {"h": {"op": "hang"}}})");
  const std::string out =
      ::testing::TempDir() + "schedlab_stop_reports_" + std::to_string(getpid());
  Cli cli(
      {"run", "-S", graph, "-s", "threads", "-w", "1", "--task-timeout", "100ms", "-o", out, "-q"});
  EXPECT_EQ(cli.wait(), 124);
  const std::string results = testing::slurp(out + "/results.json");
  EXPECT_THAT(results, HasSubstr(R"("timed_out": true)"));
  EXPECT_THAT(results, HasSubstr("ran longer than --task-timeout 100 ms"));
  cli.expect_nothing_left();
  std::filesystem::remove_all(out);
}

TEST(Stop, LimitsAreCheckedBeforeAnyWork) {
  const GraphFile graph = sleepers();
  for (const std::string bad : {"0", "-1s", "abc", "2x"}) {
    Cli cli({"compute", graph, "--task-timeout", bad});
    const auto start = Clock::now();
    EXPECT_EQ(cli.wait(), 2) << bad;
    EXPECT_LT(Clock::now() - start, 5s) << bad;  // not after the 10 s run
    EXPECT_THAT(cli.err(), HasSubstr("--task-timeout")) << bad;
  }
}

TEST(Stop, ATimeoutInTheLibraryEndsThatRunOnly) {
  Graph g;
  Delayed slow = call(g, Call{{}, TaskOptions::sleeping(10'000)}, "inc", 1);
  for (const std::string s : {"threads", "processes"}) {
    const auto start = Clock::now();
    EXPECT_THROW(compute(slow, {.scheduler = s, .workers = 1, .limits = {.task = 50ms}}), TimedOut);
    EXPECT_LT(Clock::now() - start, 5s);
    EXPECT_FALSE(interrupt_requested());
    Graph quick;
    EXPECT_EQ(compute(call(quick, "inc", 1), {.scheduler = s, .workers = 1}).values[0], Value(2));
  }
  SchedulerRegistry::global().shutdown();
}

TEST(Stop, ATimeoutLeavesOtherRunsOfTheProcessAlone) {
  // A library may run several computes at once: one timing out must not stop the others, even
  // in the middle of an interruptible sleep.
  Graph other;
  std::vector<Delayed> naps;
  for (int i = 0; i < 3; ++i) {
    naps.push_back(call(other, Call{{}, TaskOptions::sleeping(100)}, "inc", i));
  }
  Delayed total = call(other, "sum", naps);
  std::optional<Value> other_result;
  std::string other_error;
  std::atomic<bool> other_done{false};
  std::thread beside([&] {
    try {
      other_result = compute(total, {.scheduler = "sync"}).values[0];
    } catch (const std::exception& e) {
      other_error = e.what();
    }
    other_done = true;
  });
  Graph g;
  Delayed slow = call(g, Call{{}, TaskOptions::sleeping(10'000)}, "inc", 1);
  std::this_thread::sleep_for(20ms);
  EXPECT_THROW(compute(slow, {.scheduler = "threads", .workers = 1, .limits = {.task = 50ms}}),
               TimedOut);
  // The timeout came while the other run was sleeping (300 ms of naps): it was really beside.
  const bool overlapped = !other_done;
  beside.join();
  EXPECT_TRUE(overlapped);
  EXPECT_EQ(other_error, "");
  EXPECT_EQ(other_result, Value(6));
  EXPECT_EQ(unfinished_timeout(), "");  // the timed-out run has ended
}

}  // namespace
}  // namespace schedlab
