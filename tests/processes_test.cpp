// Faults of the processes scheduler: nothing hangs, nothing leaks. Around every test: no
// schedlab segment of this process is left in /dev/shm and no child process is left.
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/proc_stat.hpp"
#include "schedlab/schedulers/processes/pool.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "tests/seed_graphs.hpp"
#include "tests/test_support.hpp"

extern char** environ;

namespace schedlab {
namespace {

using schedlab::testing::kSanitized;

using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(ProcStat, ReadsStateParentCpuRssAndExitStatus) {
  const ProcStat self = read_proc_stat(getpid());
  ASSERT_TRUE(self.read);
  EXPECT_EQ(self.state, 'R');  // reading its own file, it runs
  EXPECT_EQ(self.parent, getppid());
  EXPECT_GT(self.rss_bytes, 0u);
  EXPECT_GE(self.cpu_ms, 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(7);
  // Once it has exited and before it is reaped, it is a zombie with its exit status.
  ProcStat zombie;
  for (int i = 0; i < 2000 && zombie.state != 'Z'; ++i) {
    zombie = read_proc_stat(child);
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(zombie.state, 'Z');
  EXPECT_EQ(zombie.parent, getpid());
  EXPECT_TRUE(WIFEXITED(zombie.exit_status));
  EXPECT_EQ(WEXITSTATUS(zombie.exit_status), 7);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(read_proc_stat(child).read);  // reaped: gone
}

std::vector<std::string> shm_entries(const std::string& prefix) {
  std::vector<std::string> out;
  if (DIR* d = opendir("/dev/shm")) {
    while (dirent* e = readdir(d)) {
      if (std::string(e->d_name).rfind(prefix, 0) == 0) out.emplace_back(e->d_name);
    }
    closedir(d);
  }
  return out;
}

std::string my_prefix() {
  return "schedlab-" + std::to_string(getpid()) + "-";
}

const Op& pid_op() {
  static const Op& op = register_op("test.pid", "the pid of the process running it",
                                    [](int64_t) { return static_cast<int64_t>(getpid()); });
  return op;
}
const Op& exit_op() {
  static const Op& op = register_op("test.exit", "exits the process with a code",
                                    [](int64_t code) -> int64_t { _exit(static_cast<int>(code)); });
  return op;
}
const Op& segv_op() {
  static const Op& op = register_op("test.segv", "dies of SIGSEGV", [](int64_t) -> int64_t {
    std::raise(SIGSEGV);
    return 0;
  });
  return op;
}

class Processes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Register the test ops before any pool starts, as a program would.
    pid_op(), exit_op(), segv_op();
  }
  void TearDown() override {
    SchedulerRegistry::global().shutdown();
    EXPECT_THAT(shm_entries(my_prefix()), ::testing::IsEmpty()) << "segments left behind";
    int status;
    EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1) << "a child process was left behind";
  }
  static ComputeOptions on(unsigned workers) {
    return {.scheduler = "processes", .workers = workers};
  }

  // Runs compute and returns the InfrastructureError's message, checking it came in time.
  static std::string infrastructure_error(const Delayed& d, unsigned workers) {
    auto start = std::chrono::steady_clock::now();
    try {
      compute(d, on(workers));
    } catch (const InfrastructureError& e) {
      EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "detected too late";
      return e.what();
    }
    return "no InfrastructureError";
  }
};

TEST_F(Processes, CrashOpIsReportedWithPidSignalAndTask) {
  Graph g;
  auto ok = call(g, "inc", 1);
  auto boom = call(g, Call{"boom"}, "crash", ok);
  std::string e = infrastructure_error(boom, 2);
  EXPECT_THAT(e, HasSubstr("(pid "));
  EXPECT_THAT(e, HasSubstr("was killed by signal 6"));
  EXPECT_THAT(e, HasSubstr("task 'boom' (op crash)"));
  // The pool is replaced: the next compute works.
  EXPECT_EQ(compute(ok, on(2)).values[0], Value(2));
}

TEST_F(Processes, SegfaultAndExitAreReported) {
  Graph g;
  auto segv = call(g, Call{"segv"}, "test.segv", 1);
  // Under a sanitizer, its own SIGSEGV handler reports the crash and exits instead.
  EXPECT_THAT(infrastructure_error(segv, 1),
              HasSubstr(kSanitized ? "while running task 'segv'" : "was killed by signal 11"));
  auto quit = call(g, Call{"quit"}, "test.exit", 7);
  EXPECT_THAT(infrastructure_error(quit, 1),
              HasSubstr("exited with code 7 while running task 'quit'"));
}

TEST_F(Processes, WorkerKilledFromOutsideIsDetected) {
  Graph g;
  auto who = call(g, "test.pid", 0);
  auto worker = static_cast<pid_t>(compute(who, on(1)).values[0].as_int());
  ASSERT_NE(worker, getpid());
  auto slow = call(g, Call{"slow", TaskOptions::sleeping(5000)}, "inc", 1);
  auto killer = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(100ms);
    kill(worker, SIGKILL);
  });
  auto start = std::chrono::steady_clock::now();
  try {
    compute(slow, on(1));
    FAIL() << "expected an InfrastructureError";
  } catch (const InfrastructureError& e) {
    EXPECT_THAT(e.what(), HasSubstr("was killed by signal 9"));
    EXPECT_THAT(e.what(), HasSubstr("task 'slow'"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(Processes, DeathHoldingTheGlobalLockDoesNotDeadlock) {
  Graph g;
  std::vector<Delayed> parts{
      call(g, Call{"holder", TaskOptions::sleeping(20, LockKind::global)}, "crash")};
  for (int i = 0; i < 4; ++i) {
    parts.push_back(call(g, Call{{}, TaskOptions::sleeping(10, LockKind::global)}, "inc", i));
  }
  auto total = call("sum", parts);
  std::string e = infrastructure_error(total, 2);
  // Whether the parent or the next worker to take the lock notices first, the cause is named.
  EXPECT_THAT(e, HasSubstr("was killed by signal 6"));
  EXPECT_THAT(e, HasSubstr("while running task 'holder' (op crash)"));
  // A fresh pool has a fresh lock.
  Graph h;
  auto fine = call(h, Call{{}, TaskOptions::sleeping(1, LockKind::global)}, "inc", 1);
  EXPECT_EQ(compute(fine, on(2)).values[0], Value(2));
}

TEST_F(Processes, TaskErrorsCrossTheProcessBoundary) {
  Graph g;
  auto bad = call(g, Call{"bad"}, "fail", "went wrong");
  try {
    compute(bad, on(2));
    FAIL();
  } catch (const TaskError& e) {
    EXPECT_EQ(e.key(), "bad");
    EXPECT_EQ(e.op(), "fail");
    EXPECT_EQ(e.message(), "went wrong");
  }
}

TEST_F(Processes, LargeValuesTravelOutOfLine) {
  Graph g;
  Array data(2'000'000);  // 16 MB: far above the ring size
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<double>(i) * 0.5;
  auto big = literal(g, Value(data));
  auto same = call(g, "identity", big);
  auto total = call(g, "sum", same);
  ComputeResult r = compute({same, total}, on(2));
  EXPECT_EQ(r.values[0], Value(data));
  EXPECT_EQ(r.values[1], Value(0.5 * (1'999'999.0 * 2'000'000.0 / 2)));
  EXPECT_GT(r.stats.bytes_to_workers, 2 * 16'000'000u);
  EXPECT_GT(r.stats.bytes_from_workers, 16'000'000u);
}

TEST_F(Processes, OpsRegisteredAfterThePoolStartedWork) {
  Graph g;
  auto a = call(g, "inc", 1);
  EXPECT_EQ(compute(a, on(2)).values[0], Value(2));  // the pool is running now
  static const Op& late =
      register_op("test.late", "registered late", [](int64_t x) { return x * 3; });
  auto b = call(g, late.name, a);
  EXPECT_EQ(compute(b, on(2)).values[0], Value(6));
}

// --pool fresh: every run after the first runs on a new pool (its start-up on the run's
// clock), and the old pool's workers are gone; without it, one pool serves every run.
TEST_F(Processes, AFreshPoolForEveryRun) {
  Graph g;
  auto pid = call(g, pid_op().name, 0);
  auto worker_of = [&](bool fresh) {
    ComputeOptions o = on(1);
    o.fresh_pool = fresh;
    return compute(pid, o).values[0].as_int();
  };
  const int64_t reused = worker_of(false);
  EXPECT_EQ(worker_of(false), reused);
  const int64_t first = worker_of(true), second = worker_of(true);
  EXPECT_NE(first, reused);  // a pool of its own, apart from the reused one
  EXPECT_NE(second, first);
  EXPECT_NE(::kill(static_cast<pid_t>(first), 0), 0) << "the replaced pool's worker still runs";
}

// --chunksize: the first free worker takes up to that many ready tasks at once, so with 6 the
// four dbl and then the four inc of seed 000 all run on one worker, one after the other (the
// reason Dask's default batching made that graph serial); with 1 both workers share them.
TEST_F(Processes, ChunksGoToOneFreeWorkerAtATime) {
  Graph g;
  auto total = testing::inc_dbl(g, 5);
  auto workers_used = [&](unsigned chunksize) {
    ComputeOptions o = on(2);
    o.chunksize = chunksize;
    o.trace = true;
    ComputeResult r = compute(total, o);
    EXPECT_EQ(r.values[0], Value(16));  // sum of 2i + 1 for i < 4
    std::set<unsigned> used;
    for (const TaskEvent& e : r.trace) {
      if (g.options(e.node).sleep_us > 0) used.insert(e.worker);
    }
    return used.size();
  };
  EXPECT_EQ(workers_used(6), 1u);
  EXPECT_EQ(workers_used(1), 2u);
}

// A traced run shows where values were encoded and decoded: the parent before and after each
// task (its own lane), the worker just before and after the op (its arguments, its result).
TEST_F(Processes, ATracedRunShowsWhereValuesWereEncodedAndDecoded) {
  // 4 MB values take milliseconds to encode (spans under kShortestSpan are not told).
  Graph g;
  const NodeId made = g.add_task("made", "alloc", std::vector<ArgSpec>{Value(4)});
  const std::vector<NodeId> targets{
      g.add_task("copied", "identity", std::vector<ArgSpec>{Ref{made}})};
  ComputeOptions o = on(2);
  o.trace = true;
  ComputeResult r = compute(g, targets, o);
  std::map<NodeId, const TaskEvent*> task;
  for (const TaskEvent& e : r.trace) task[e.node] = &e;
  using Kind = SpanEvent::Kind;
  size_t parent_encoded = 0, parent_decoded = 0, worker_decoded = 0, worker_encoded = 0;
  for (const SpanEvent& s : r.spans) {
    ASSERT_TRUE(task.count(s.node)) << "a span of a task that did not run";
    const TaskEvent& e = *task[s.node];
    EXPECT_LE(s.start, s.end);
    // (Two processes' clocks: CLOCK_MONOTONIC, one clock on one machine.)
    if (s.worker == kSchedulerLane && s.kind == Kind::encode) {
      ++parent_encoded;
      EXPECT_LE(s.end, e.start);
    } else if (s.worker == kSchedulerLane) {
      ++parent_decoded;
      EXPECT_GE(s.start, e.end);
    } else if (s.kind == Kind::decode) {
      ++worker_decoded;
      EXPECT_EQ(s.worker, e.worker);
      EXPECT_EQ(s.end, e.start);
    } else {
      ++worker_encoded;
      EXPECT_EQ(s.worker, e.worker);
      EXPECT_EQ(s.start, e.end);
    }
  }
  // Both results are encoded by their worker and decoded by the parent; the copy's argument is
  // encoded by the parent and decoded by its worker (so may be the small argument of the first,
  // if that took 20 us).
  EXPECT_EQ(worker_encoded, 2u);
  EXPECT_EQ(parent_decoded, 2u);
  EXPECT_GE(parent_encoded, 1u);
  EXPECT_GE(worker_decoded, 1u);
  for (Kind kind : {Kind::encode, Kind::decode}) {
    EXPECT_TRUE(std::any_of(r.spans.begin(), r.spans.end(),
                            [&](const SpanEvent& s) {
                              return s.node == targets[0] && s.kind == kind &&
                                     (s.worker == kSchedulerLane) == (kind == Kind::encode);
                            }))
        << "the copy's argument, " << kind_name(kind) << "d";
  }
}

TEST_F(Processes, ProcessLockDoesNotSerialiseProcesses) {
  Graph g;
  std::vector<Delayed> parts;
  for (int i = 0; i < 2; ++i) {
    parts.push_back(call(g, Call{{}, TaskOptions::sleeping(100, LockKind::process)}, "inc", i));
  }
  auto total = call("sum", parts);
  compute(total, on(2));  // start the pool outside the measurement
  ComputeResult r = compute(total, on(2));
  EXPECT_LT(r.stats.wall_ms, 190.0);  // two 100 ms sleeps side by side, not one after the other
}

TEST_F(Processes, StaleSegmentsOfDeadOwnersAreRemoved) {
  // A segment named after a pid that cannot be alive (above pid_max), as a killed run leaves.
  const std::string stale = "schedlab-999999999-0-pool";
  std::ofstream("/dev/shm/" + stale) << "left behind";
  const std::string foreign = "schedlab-notapid";
  std::ofstream("/dev/shm/" + foreign) << "not ours";
  Graph g;
  // Another user's segment of a dead process: theirs to remove (only root can plant one).
  const std::string other_users = "schedlab-999999998-0-pool";
  std::ofstream("/dev/shm/" + other_users) << "someone else's";
  const bool planted = chown(("/dev/shm/" + other_users).c_str(), 65534, 65534) == 0;
  compute(call(g, "inc", 1), on(1));
  EXPECT_THAT(shm_entries(stale), ::testing::IsEmpty());
  EXPECT_THAT(shm_entries(foreign), ::testing::SizeIs(1));  // not ours: left alone
  if (planted) {
    EXPECT_THAT(shm_entries(other_users), ::testing::SizeIs(1));
  }
  std::remove(("/dev/shm/" + foreign).c_str());
  std::remove(("/dev/shm/" + other_users).c_str());
}

TEST_F(Processes, SegmentNamesCarryANonceAndOnlyTheirOwnerMayOpenThem) {
  processes::WorkerPool a(1), b(1);
  const std::string mine = fmt::format("schedlab-{}-", getpid());
  ASSERT_EQ(a.prefix().rfind(mine, 0), 0u) << a.prefix();
  // "<pid>-<8 hex digits>-<pool>-": the nonce is the same for both pools of one process.
  const std::string rest = a.prefix().substr(mine.size());
  ASSERT_GE(rest.size(), 10u) << a.prefix();
  EXPECT_EQ(rest.find_first_not_of("0123456789abcdef"), 8u) << a.prefix();
  EXPECT_NE(a.prefix(), b.prefix());
  processes::Segment segment = processes::Segment::create(a.prefix() + "test", 4096);
  struct stat st {};
  ASSERT_EQ(stat(("/dev/shm/" + segment.name()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// The parent itself interrupted or killed: the CLI in a child process.
class ParentSignals : public ::testing::Test {
 protected:
  pid_t spawn(const std::string& graph_file) {
    std::vector<std::string> args{SCHEDLAB_BIN, "compute",   graph_file, "--scheduler",
                                  "processes",  "--workers", "2"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
  }
  static std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> out;
    if (DIR* d = opendir("/proc")) {
      while (dirent* e = readdir(d)) {
        pid_t pid = std::atoi(e->d_name);
        if (pid <= 0) continue;
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), {});
        auto close = text.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream fields(text.substr(close + 2));
        std::string state;
        pid_t ppid = 0;
        fields >> state >> ppid;
        if (ppid == parent && state != "Z") out.push_back(pid);
      }
      closedir(d);
    }
    return out;
  }
  // Gone, or a zombie waiting for whoever adopted it to reap it: either way, not running.
  static bool gone(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    auto close = text.rfind(')');
    return close == std::string::npos || text.compare(close + 2, 1, "Z") == 0;
  }
  std::string slow_graph() {
    std::string path = ::testing::TempDir() + "schedlab_slow_" + std::to_string(getpid()) + ".json";
    std::ofstream(path) << R"({"tasks": {"a": {"op": "inc", "args": [1], "sleep_ms": 300},
        "b": {"op": "inc", "args": [2], "sleep_ms": 300},
        "c": {"op": "add", "args": [{"ref": "a"}, {"ref": "b"}], "sleep_ms": 20000}}})";
    return path;
  }
  // Waits until the CLI has its two workers.
  std::vector<pid_t> workers_of(pid_t cli) {
    for (int i = 0; i < 400; ++i) {
      auto kids = children_of(cli);
      if (kids.size() == 2) return kids;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "the CLI never had two workers";
    return {};
  }
};

TEST_F(ParentSignals, SigintStopsCleanly) {
  std::string graph = slow_graph();
  pid_t cli = spawn(graph);
  std::vector<pid_t> workers = workers_of(cli);
  std::this_thread::sleep_for(50ms);
  kill(cli, SIGINT);
  int status = 0;
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(waitpid(cli, &status, 0), cli);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  for (pid_t w : workers) EXPECT_TRUE(gone(w)) << w;
  EXPECT_THAT(shm_entries("schedlab-" + std::to_string(cli) + "-"), ::testing::IsEmpty());
  std::remove(graph.c_str());
}

TEST_F(ParentSignals, SigkilledParentTakesItsWorkersWithIt) {
  // Adopt the orphans, so that we can reap them (no zombie outlives the test).
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  std::string graph = slow_graph();
  pid_t cli = spawn(graph);
  std::vector<pid_t> workers = workers_of(cli);
  kill(cli, SIGKILL);
  int status;
  waitpid(cli, &status, 0);
  auto start = std::chrono::steady_clock::now();
  for (pid_t w : workers) {
    while (!gone(w) && std::chrono::steady_clock::now() - start < 2s)
      std::this_thread::sleep_for(5ms);
    EXPECT_TRUE(gone(w)) << "worker " << w << " outlived its parent";
    waitpid(w, &status, 0);  // ours now (subreaper): reap it
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  // Its segment was left behind; the next pool anywhere (maybe another test process running
  // in parallel, which is why there is no check that it is still there now) removes it.
  Graph g;
  compute(call(g, "inc", 1), {.scheduler = "processes", .workers = 1});
  EXPECT_THAT(shm_entries("schedlab-" + std::to_string(cli) + "-"), ::testing::IsEmpty());
  SchedulerRegistry::global().shutdown();
  std::remove(graph.c_str());
}

}  // namespace
}  // namespace schedlab
