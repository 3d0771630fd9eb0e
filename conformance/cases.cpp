// The conformance cases: every scheduler, at each of its targets (conformance.hpp), must give
// the same results as `sync` and the same error behaviour. A new scheduler is covered by
// registering it. GoogleTest runs them: in the conformance test, and in `schedlab conformance`
// through runner.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <numeric>
#include <thread>

#include "schedlab/conformance/conformance.hpp"
#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/predict.hpp"
#include "schedlab/kernels/shapes.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"

#if __has_include(<omp.h>)
#include <omp.h>
#endif

namespace schedlab {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// Sanitized builds dispatch more slowly: the cases that time things allow for it.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

struct Config : conformance::Target {
  // Whether some of its workers are threads of one process (and share its lock and GIL).
  bool workers_share_a_process() const {
    MachineModel m = SchedulerRegistry::global().info(scheduler).machine(workers, false, threads);
    return m.workers > m.process_count();
  }
};

std::vector<conformance::Target>& chosen() {
  static std::vector<conformance::Target> targets;
  return targets;
}

void PrintTo(const Config& c, std::ostream* os) {
  *os << c.name();
}

std::vector<Config> configs() {
  std::vector<Config> out;
  for (const conformance::Target& t : conformance::targets()) out.push_back({t});
  return out;
}

class Conformance : public ::testing::TestWithParam<Config> {
 protected:
  // After Ctrl-C every compute would fail: the cases left are skipped, and `conformance` exits
  // as a stopped command does.
  void SetUp() override {
    if (signal_requested()) GTEST_SKIP() << "stopped (Ctrl-C)";
  }
  ComputeOptions options(bool trace = false) const {
    ComputeOptions o;
    o.scheduler = GetParam().scheduler;
    o.workers = GetParam().workers;
    o.threads_per_worker = GetParam().threads;
    o.trace = trace;
    return o;
  }
  static std::vector<Value> on_sync(const Graph& g, std::span<const NodeId> targets) {
    return compute(g, targets, {.scheduler = "sync"}).values;
  }
};

TEST_P(Conformance, SlowArithmetic) {
  Graph g;
  auto slow = TaskOptions::sleeping(2);
  auto x = call(g, Call{"x", slow}, "add", 1, 3);
  auto y = call(g, Call{"y", slow}, "sub", 2, 4);
  auto z = call(g, Call{"z", slow}, "mul", x, y);
  auto r = call(g, Call{"r", slow}, "div", z, 5.0);
  ComputeResult res = compute(r, options());
  EXPECT_EQ(res.values[0], Value(-1.6));
  EXPECT_EQ(res.stats.tasks_run, 4u);
  const SchedulerTraits& traits = SchedulerRegistry::global().info(GetParam().scheduler).traits;
  EXPECT_EQ(res.workers,
            traits.fixed_workers ? traits.fixed_workers : GetParam().workers * GetParam().threads);
}

TEST_P(Conformance, ListsLiteralsAndSharedTargets) {
  Graph g;
  auto data = literal(g, Value(List{Value(0), Value(1), Value(2), Value(3)}), "data");
  auto b = call(g, "sum", data);
  std::vector<Delayed> parts;
  for (int i = 0; i < 10; ++i) parts.push_back(call(g, "inc", i) + call(g, "dec", i));
  auto total = call("sum", parts);
  auto both = call(g, "add", total, b);  // total is a target and an input
  ComputeResult res = compute({b, total, both, data, total}, options());
  ASSERT_EQ(res.values.size(), 5u);
  EXPECT_EQ(res.values[0], Value(6));
  EXPECT_EQ(res.values[1], Value(90));
  EXPECT_EQ(res.values[2], Value(96));
  EXPECT_EQ(res.values[3], Value(List{Value(0), Value(1), Value(2), Value(3)}));
  EXPECT_EQ(res.values[4], Value(90));
}

TEST_P(Conformance, NestedListArguments) {
  Graph g;
  auto a = call(g, "inc", 1);
  std::vector<ArgSpec> args{ArgSpec(std::vector<ArgSpec>{
      ArgSpec(Ref{a.id()}), ArgSpec(std::vector<ArgSpec>{ArgSpec(Ref{a.id()}), ArgSpec(Value(5))}),
      ArgSpec(Value("s"))})};
  NodeId t = g.add_task("t", "identity", args);
  std::vector<NodeId> targets{t};
  ComputeResult res = compute(g, targets, options());
  EXPECT_EQ(res.values[0], Value(List{Value(2), Value(List{Value(2), Value(5)}), Value("s")}));
}

// Every scheduler holds values to one depth (the codec's, which values that travel between
// processes keep to): a chain k_i = identity([k_{i-1}]) nests a level per task, and the task
// whose result would pass the limit fails, by its key, wherever it runs.
TEST_P(Conformance, ValuesNestedPastTheLimitFailTheTaskThatMadeThem) {
  Graph g;
  Delayed k = call(g, Call{"k0"}, "identity", 1);
  for (int i = 1; i <= 70; ++i) {
    k = call(g, Call{"k" + std::to_string(i)}, "identity", std::vector<Delayed>{k});
  }
  try {
    compute(k, options());
    FAIL() << "expected a TaskError";
  } catch (const TaskError& e) {
    EXPECT_EQ(e.key(), "k65");  // k64 holds 64 levels of lists: the most a value may have
    EXPECT_THAT(e.message(), HasSubstr("nested deeper than 64 levels"));
  }
}

TEST_P(Conformance, RandomDagOf10000TasksMatchesSync) {
  Graph g;
  auto shape = kernels::random_dag(
      g, {.layers = 100, .width = 100, .min_deps = 1, .max_deps = 4, .seed = 2026});
  ASSERT_EQ(g.size(), 10'000u);
  ComputeResult res = compute(g, shape.targets, options());
  EXPECT_EQ(res.values, on_sync(g, shape.targets));
  EXPECT_EQ(res.stats.tasks_run, 10'000u);
}

TEST_P(Conformance, StandardShapesMatchSync) {
  Graph g;
  auto f = kernels::fanin(g, 3000);
  auto c = kernels::chain(g, 3000);
  auto t = kernels::tree(g, 3000);
  std::vector<NodeId> targets{f.targets[0], c.targets[0], t.targets[0]};
  ComputeResult res = compute(g, targets, options());
  EXPECT_EQ(res.values, on_sync(g, targets));
  EXPECT_EQ(res.values[1], Value(3000));
}

TEST_P(Conformance, TaskErrorCarriesKeyOpAndMessage) {
  Graph g;
  auto ok = call(g, "inc", 1);
  auto bad = call(g, Call{"bad-key"}, "div", ok, 0);
  auto after = call(g, "inc", bad);
  try {
    compute(after, options());
    FAIL() << "expected a TaskError";
  } catch (const TaskError& e) {
    EXPECT_EQ(e.key(), "bad-key");
    EXPECT_EQ(e.op(), "div");
    EXPECT_EQ(e.message(), "division by zero");
  }
}

TEST_P(Conformance, SeveralFailuresAtOnceGiveOneErrorThatCountsTheOthers) {
  // Four tasks that fail at once, one throwing a bare int. Whichever fails first is the error,
  // the others that had started are counted, and nothing deadlocks or terminates, run after
  // run (many runs where a run costs microseconds).
  Graph g;
  std::vector<Delayed> parts;
  for (int i = 0; i < 3; ++i) parts.push_back(call(g, "fail", "boom " + std::to_string(i)));
  parts.push_back(call(g, Call{"odd"}, "throw_int", 7));
  auto all = call(g, "sum", parts);
  const bool in_process = SchedulerRegistry::global().info(GetParam().scheduler).traits.processes ==
                          ProcessModel::one_process;
  for (int run = 0; run < (in_process ? 1000 : 5); ++run) {
    try {
      compute(all, options());
      FAIL() << "expected a TaskError";
    } catch (const TaskError& e) {
      if (e.key() == "odd") {
        EXPECT_EQ(e.message(), "an exception of type int (not derived from std::exception)");
      } else {
        EXPECT_THAT(e.message(), ::testing::StartsWith("boom "));
      }
      EXPECT_LE(e.other_failures(), 3u);
      EXPECT_EQ(e.listed_other_failures().size(), e.other_failures());
      // One thread runs one task at a time and stops at the first failure.
      if (in_process && GetParam().workers == 1) {
        EXPECT_EQ(e.other_failures(), 0u) << e.what();
      }
    }
  }
}

TEST_P(Conformance, NoNewTasksStartAfterAFailure) {
  // 200 tasks of 1 ms and one that fails at once. Schedulers may run roots in any order, so
  // what is checked is time: once the failing task has started, tasks may still start for a
  // moment (those being picked up as it fails), but not 20 ms later, when without the stop
  // most of the 200 would still be to come. Seen from the caller, so it works across processes.
  struct Watch : Observer {
    NodeId boom = 0;
    std::mutex mutex;
    Clock::time_point failed_at = Clock::time_point::max();
    std::vector<Clock::time_point> starts;
    void task_started(const TaskEvent& e) override {
      if (e.node == boom) failed_at = e.start;
    }
    void task_finished(const TaskEvent& e) override {
      std::lock_guard lock(mutex);
      starts.push_back(e.start);
    }
  } watch;
  Graph g;
  std::vector<Delayed> parts{call(g, Call{"boom"}, "fail", "boom")};
  watch.boom = parts[0].id();
  for (int i = 0; i < 200; ++i)
    parts.push_back(call(g, Call{{}, TaskOptions::sleeping(1)}, "inc", i));
  auto total = call("sum", parts);
  ComputeOptions o = options();
  o.observers = {&watch};
  EXPECT_THROW(compute(total, o), TaskError);
  ASSERT_NE(watch.failed_at, Clock::time_point::max());
  size_t late = std::count_if(watch.starts.begin(), watch.starts.end(),
                              [&](Clock::time_point t) { return t > watch.failed_at + 20ms; });
  EXPECT_LE(late, GetParam().workers * GetParam().threads)
      << late << " of " << watch.starts.size()
      << " tasks started more than 20 ms after task 'boom' failed: a scheduler must stop taking "
         "tasks once job.stopped() is true";
}

TEST_P(Conformance, IntermediatesAreReleased) {
  Graph g;
  auto c = kernels::chain(g, 1000);
  ComputeResult res = compute(g, c.targets, options());
  EXPECT_EQ(res.values[0], Value(1000));
  // Along a chain each result is dropped as soon as its one consumer has run.
  EXPECT_LE(res.stats.peak_live_intermediates, 2u);
  EXPECT_GT(res.stats.peak_live_bytes, 0u);
}

TEST_P(Conformance, TraceHasEveryTaskOnce) {
  Graph g;
  auto shape = kernels::random_dag(g, {.layers = 10, .width = 20, .seed = 1});
  ComputeResult res = compute(g, shape.targets, options(/*trace=*/true));
  ASSERT_EQ(res.trace.size(), 200u);
  std::vector<int> seen(g.size(), 0);
  for (const TaskEvent& e : res.trace) {
    ++seen[e.node];
    EXPECT_LT(e.worker, res.workers);
    EXPECT_LE(e.start, e.end);
    EXPECT_GE(e.start, res.start);
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 200);
}

TEST_P(Conformance, ObserverSeesEveryTask) {
  struct Counter : Observer {
    std::atomic<int> started{0}, finished{0};
    int runs = 0, ends = 0;
    void run_started(const RunInfo&) override { ++runs; }
    void task_started(const TaskEvent&) override { ++started; }
    void task_finished(const TaskEvent&) override { ++finished; }
    void run_finished(const RunStats&) override { ++ends; }
  } counter;
  Graph g;
  auto shape = kernels::tree(g, 64);
  ComputeOptions o = options();
  o.observers = {&counter};
  compute(g, shape.targets, o);
  EXPECT_EQ(counter.runs, 1);
  EXPECT_EQ(counter.ends, 1);
  EXPECT_EQ(counter.started.load(), 127);
  EXPECT_EQ(counter.finished.load(), 127);
}

TEST_P(Conformance, ProcessLockSerialisesTasksOfOneProcess) {
  // Three tasks per process: one process runs at least three, one after another (45 ms),
  // though its threads could run them side by side. Only observable where workers share a
  // process: one worker per process runs its tasks in turn anyway.
  const MachineModel m = SchedulerRegistry::global()
                             .info(GetParam().scheduler)
                             .machine(GetParam().workers, false, GetParam().threads);
  const int n = 3 * static_cast<int>(m.process_count());
  Graph g;
  std::vector<Delayed> parts;
  for (int i = 0; i < n; ++i) {
    parts.push_back(call(g, Call{{}, TaskOptions::sleeping(15, LockKind::process)}, "inc", i));
  }
  auto total = call("sum", parts);
  ComputeResult res = compute(total, options());
  EXPECT_EQ(res.values[0], Value(n * (n + 1) / 2));
  if (GetParam().workers_share_a_process()) {
    EXPECT_GE(res.stats.wall_ms, 45.0);
  }
}

TEST_P(Conformance, ManyComputesReuseThePool) {
  Graph g;
  auto shape = kernels::tree(g, 16);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(compute(g, shape.targets, options()).values[0], Value(136));
  }
}

TEST_P(Conformance, ComputesFromSeveralThreadsTakeTurns) {
  Graph g;
  auto shape = kernels::tree(g, 256);
  // Under the sanitizers the workers are started first, alone: GCC 12's AddressSanitizer
  // allocator is not fork-safe (no atfork lock, unlike glibc's malloc), so a worker forked
  // while another caller thread allocates can inherit its lock held and hang (seen once in
  // about 30 runs, the worker stuck in the allocator on its first free).
  if (kSanitized) compute(g, shape.targets, options());
  std::vector<std::thread> callers;
  std::atomic<int> right{0};
  std::mutex mutex;
  std::string first_error;  // a compute that threw, said here rather than ending the program
  for (int t = 0; t < 3; ++t) {
    callers.emplace_back([&] {
      try {
        for (int i = 0; i < 10; ++i)
          right += compute(g, shape.targets, options()).values[0] == Value(32896);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        if (first_error.empty()) first_error = e.what();
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(right.load(), 30);
}

TEST_P(Conformance, EmptyTargetsAndLiteralTargets) {
  Graph g;
  auto a = literal(g, Value(4));
  EXPECT_EQ(compute(a, options()).values[0], Value(4));
  EXPECT_TRUE(compute(g, std::vector<NodeId>{}, options()).values.empty());
}

TEST_P(Conformance, TraceSeparatesWaitingFromWorking) {
  // Two independent tasks that each hold the process lock while sleeping 30 ms: threads of one
  // process take turns (one waits about 30 ms), separate processes do not wait at all.
  Graph g;
  auto a = call(g, Call{"a", TaskOptions::sleeping(30, LockKind::process)}, "inc", 1);
  auto b = call(g, Call{"b", TaskOptions::sleeping(30, LockKind::process)}, "inc", 2);
  ComputeResult res = compute({a, b}, options(/*trace=*/true));
  ASSERT_EQ(res.trace.size(), 2u);
  double lock_wait = 0;
  for (const TaskEvent& e : res.trace) {
    using Ms = std::chrono::duration<double, std::milli>;
    EXPECT_LE(e.lock_wait_ms, Ms(e.end - e.start).count());
    EXPECT_EQ(e.gil_wait_ms, 0);
    lock_wait += e.lock_wait_ms;
  }
  // On a busy machine one worker may take both tasks, one after the other: nobody waits then.
  const bool overlapped =
      res.trace[1].start < res.trace[0].end && res.trace[0].start < res.trace[1].end;
  // (Workers of one process may still get one task each on a cluster of several processes.)
  const bool take_turns =
      overlapped && GetParam().workers_share_a_process() && res.trace[0].pid == res.trace[1].pid;
  if (take_turns) {
    // The later task waited from its start until the other let go of the lock: as long as they
    // overlapped (less than 30 ms when the later one started late on a busy machine).
    using Ms = std::chrono::duration<double, std::milli>;
    const double overlap = Ms(std::min(res.trace[0].end, res.trace[1].end) -
                              std::max(res.trace[0].start, res.trace[1].start))
                               .count();
    // (At most: the first task may be preempted after letting go, which lengthens the overlap.)
    EXPECT_GE(lock_wait, overlap / 2);
    EXPECT_LE(lock_wait, overlap + (kSanitized ? 50 : 10));
    EXPECT_LE(lock_wait, kSanitized ? 200 : 60);
  } else {
    EXPECT_LT(lock_wait, 10);  // never waited for a lock someone else held
  }
}

TEST_P(Conformance, TraceRecordsWaitingForTheGil) {
  Graph g;
  auto a = call(g, Call{"a"}, "busy", 20);
  auto b = call(g, Call{"b"}, "busy", 20);
  ComputeOptions o = options(/*trace=*/true);
  o.gil = true;
  ComputeResult res = compute({a, b}, o);
  double gil_wait = 0;
  for (const TaskEvent& e : res.trace) gil_wait += e.gil_wait_ms;
  // A scheduler may run both on one thread, one after the other (a loaded machine, a pool whose
  // other threads were not awake yet): then nobody waited.
  const bool overlapped = res.trace.size() == 2 && res.trace[0].start < res.trace[1].end &&
                          res.trace[1].start < res.trace[0].end;
  if (GetParam().workers_share_a_process() && overlapped && res.trace[0].pid == res.trace[1].pid) {
    EXPECT_GE(gil_wait, 10);  // one GIL for both threads: they take turns
  } else {
    EXPECT_LT(gil_wait, 10);
  }
}

INSTANTIATE_TEST_SUITE_P(Schedulers, Conformance, ::testing::ValuesIn(configs()),
                         [](const auto& p) { return p.param.test_name(); });

TEST_P(Conformance, MillionTaskChainRunsWithoutRecursion) {
  const SchedulerTraits& traits = SchedulerRegistry::global().info(GetParam().scheduler).traits;
  if (GetParam().workers != 2 && !traits.fixed_workers) GTEST_SKIP() << "checked at 2 workers";
  // A local cluster's ranks talk over TCP loopback, about 30-100 us a step: 20,000 steps (a
  // few seconds, more under sanitizers) stand for it; its scheduling loop has no recursion.
  const bool cluster = SchedulerRegistry::global().info(GetParam().scheduler).traits.processes ==
                       ProcessModel::processes_of_threads;
  const int64_t n = cluster ? 20'000 : 1'000'000;
  Graph g;
  auto c = kernels::chain(g, n);
  ComputeResult res = compute(g, c.targets, options());
  EXPECT_EQ(res.values[0], Value(n));
}

// Graphs whose start order tells the ready-task policies apart: sleeping tasks, so that only
// the scheduler's choices (not compute speed) decide when each task starts. Tasks that run side
// by side sleep for different times, so no two finish together and no race decides an order.
struct PolicyGraph {
  std::string name;
  Graph graph;
  std::vector<NodeId> targets;
};

std::vector<PolicyGraph> policy_graphs(double unit_ms) {
  std::vector<PolicyGraph> out;
  const TaskOptions slow = TaskOptions::sleeping(unit_ms);
  auto sleeping = [&](double units) { return TaskOptions::sleeping(unit_ms * units); };
  {  // inc-dec-add: add(inc(i), dec(i)) for i < 3, then one sum
    PolicyGraph p{"inc-dec-add", {}, {}};
    std::vector<ArgSpec> adds;
    for (int i = 0; i < 3; ++i) {
      NodeId inc =
          p.graph.add_task(fmt::format("inc-{}", i), "inc", std::vector<ArgSpec>{Value(i)}, slow);
      NodeId dec = p.graph.add_task(fmt::format("dec-{}", i), "dec", std::vector<ArgSpec>{Value(i)},
                                    sleeping(1.4));
      adds.emplace_back(Ref{p.graph.add_task(fmt::format("add-{}", i), "add",
                                             std::vector<ArgSpec>{Ref{inc}, Ref{dec}}, slow)});
    }
    p.targets = {p.graph.add_task("total", "sum", std::vector<ArgSpec>{ArgSpec(adds)}, slow)};
    out.push_back(std::move(p));
  }
  {  // fan-out and back: one root makes three branches ready at once
    PolicyGraph p{"fan-out", {}, {}};
    NodeId root = p.graph.add_task("root", "inc", std::vector<ArgSpec>{Value(0)}, slow);
    std::vector<ArgSpec> ends;
    for (int i = 0; i < 3; ++i) {
      NodeId b = p.graph.add_task(fmt::format("b-{}", i), "inc", std::vector<ArgSpec>{Ref{root}},
                                  sleeping(1 + 0.4 * i));
      ends.emplace_back(
          Ref{p.graph.add_task(fmt::format("c-{}", i), "inc", std::vector<ArgSpec>{Ref{b}}, slow)});
    }
    p.targets = {p.graph.add_task("join", "sum", std::vector<ArgSpec>{ArgSpec(ends)}, slow)};
    out.push_back(std::move(p));
  }
  return out;
}

// Each scheduler declares its ready-task policy in the registry; the predictor simulates that
// policy. Here the trace proves the declaration, at 1 and 2 workers: every task runs, and any
// two tasks the simulated schedule starts at least half a unit apart start in that order.
// (Order, not absolute times: a loaded machine delays a whole run, which says nothing about
// the policy.)
TEST_P(Conformance, StartTimesFollowTheDeclaredPolicy) {
  if (GetParam().workers > 2) GTEST_SKIP() << "checked at 1 and 2 workers";
  const SchedulerInfo& info = SchedulerRegistry::global().info(GetParam().scheduler);
  if (info.traits.policy == Policy::unspecified) GTEST_SKIP() << "its policy is unspecified";
#ifdef KMP_VERSION_MAJOR
  // openmp's declared policy is libgomp's (g++ builds). LLVM's libomp (clang builds, such as
  // the tsan preset) orders tasks its own way: a team of one runs each task where it is
  // spawned, larger teams use per-thread LIFO deques. The runtime, not schedlab, decides.
  if (info.name == "openmp") GTEST_SKIP() << "openmp's task order is libomp's in this build";
#endif
  // Sanitized builds dispatch more slowly: a longer unit keeps half a unit well above that.
  const double unit = kSanitized ? 50 : 25;
  // Start the pool first: its start-up is not part of any policy.
  compute(policy_graphs(1)[0].graph, policy_graphs(1)[0].targets, options());
  for (PolicyGraph& p : policy_graphs(unit)) {
    Prediction predicted = predict(p.graph, p.targets, {},
                                   info.machine(GetParam().workers, false, GetParam().threads));
    ASSERT_EQ(predicted.schedule.size(), p.graph.size()) << p.name;
    ComputeResult r = compute(p.graph, p.targets, options(true));
    std::vector<double> started(p.graph.size(), -1);
    for (const TaskEvent& e : r.trace) {
      started[e.node] = std::chrono::duration<double, std::milli>(e.start - r.start).count();
    }
    for (const ScheduledTask& a : predicted.schedule) {
      ASSERT_GE(started[a.node], 0) << p.name << ": task " << p.graph.key(a.node) << " never ran";
      for (const ScheduledTask& b : predicted.schedule) {
        if (b.start_ms - a.start_ms < unit / 2) continue;
        EXPECT_LT(started[a.node], started[b.node])
            << p.name << ": " << p.graph.key(a.node) << " (predicted at " << a.start_ms
            << " ms) should start before " << p.graph.key(b.node) << " (predicted at " << b.start_ms
            << " ms) under " << policy_name(info.traits.policy);
      }
    }
  }
}

}  // namespace
}  // namespace schedlab

// Here, beside the cases, so that a program that sets its targets links the cases too (they
// are referenced by nothing else: GoogleTest registers them from static initialisers).
namespace schedlab::conformance {

void set_targets(std::vector<Target> targets) {
  chosen() = std::move(targets);
}

const std::vector<Target>& targets() {
  if (chosen().empty()) chosen() = every_registered_target();
  return chosen();
}

}  // namespace schedlab::conformance
