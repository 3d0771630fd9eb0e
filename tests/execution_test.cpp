// The scheduling core's state, step by step, with literal expected states (as Dask's
// test_local.py checks its state dict): dependency counters, release of intermediates, the
// first failure winning, and the order in which observers hear of it all. No scheduler: the
// test is the scheduler, calling run() in an order it chooses.
#include "schedlab/schedulers/execution.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/ops.hpp"

namespace schedlab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Records every hook as a line of text.
struct Log final : Observer {
  const Graph* graph = nullptr;
  std::vector<std::string> lines;
  void run_started(const RunInfo& i) override {
    lines.push_back("run_started " + i.scheduler + " tasks=" + std::to_string(i.tasks));
  }
  void task_started(const TaskEvent& e) override {
    lines.push_back("started " + std::string(graph->key(e.node)));
  }
  void task_finished(const TaskEvent& e) override {
    lines.push_back((e.failed ? "failed " : "finished ") + std::string(graph->key(e.node)));
  }
  void add_figures(RunStats& s) override { s.cpu_ms = 42; }
  void run_finished(const RunStats& s) override {
    lines.push_back("run_finished tasks_run=" + std::to_string(s.tasks_run) +
                    " cpu_ms=" + std::to_string(static_cast<int>(s.cpu_ms)));
  }
};

struct Arithmetic {  // (1 + 3) * (2 - 4), the worked example of execution.hpp
  Graph g;
  Delayed x = call(g, Call{"x"}, "add", 1, 3);
  Delayed y = call(g, Call{"y"}, "sub", 2, 4);
  Delayed z = call(g, Call{"z"}, "mul", x, y);
};

// What finish() throws after a failure (a test error if it returns or throws anything else).
template <class Error>
Error failure_of(Execution& ex) {
  try {
    ex.finish();
  } catch (const Error& e) {
    return e;
  }
  throw std::logic_error("finish() returned after a failure");
}

std::string state(const Execution& ex, const Graph& g) {
  std::string out;
  for (NodeId n = 0; n < g.size(); ++n) {
    if (!g.is_task(n)) continue;
    out += std::string(g.key(n)) + ":" + std::to_string(ex.pending(n)) + "/" +
           std::to_string(ex.consumers(n)) + (ex.holds_result(n) ? "+" : "-") + " ";
  }
  return out;  // key:pending/consumers, + while its result is held
}

TEST(Execution, CountersAndReleaseStepByStep) {
  Arithmetic a;
  std::vector<NodeId> targets{a.z.id()};
  Log log;
  log.graph = &a.g;
  Execution ex(a.g, plan_for(a.g, targets), RunInfo{&a.g, "by-hand", 1, 0, Clock::now()}, {&log});
  EXPECT_THAT(std::vector<NodeId>(ex.roots().begin(), ex.roots().end()),
              ElementsAre(a.x.id(), a.y.id()));
  EXPECT_EQ(state(ex, a.g), "x:0/1- y:0/1- z:2/0- ");
  ex.start();

  std::vector<NodeId> ready;
  ex.run(a.x.id(), 0, ready);
  EXPECT_TRUE(ready.empty());
  EXPECT_EQ(state(ex, a.g), "x:0/1+ y:0/1- z:1/0- ");

  ex.run(a.y.id(), 0, ready);
  EXPECT_THAT(ready, ElementsAre(a.z.id()));
  EXPECT_EQ(state(ex, a.g), "x:0/1+ y:0/1+ z:0/0- ");

  ready.clear();
  ex.run(a.z.id(), 0, ready);
  EXPECT_TRUE(ready.empty());
  // z read x and y, so both are released; z is a target and is kept.
  EXPECT_EQ(state(ex, a.g), "x:0/0- y:0/0- z:0/0+ ");
  EXPECT_FALSE(ex.stopped());

  EXPECT_THAT(ex.finish(), ElementsAre(Value(-8)));
  EXPECT_EQ(ex.stats().tasks_run, 3u);
  EXPECT_EQ(ex.stats().peak_live_intermediates, 2u);
  EXPECT_EQ(ex.stats().cpu_ms, 42);  // what the observer added
  EXPECT_THAT(log.lines, ElementsAre("run_started by-hand tasks=3", "started x", "finished x",
                                     "started y", "finished y", "started z", "finished z",
                                     "run_finished tasks_run=3 cpu_ms=42"));
}

TEST(Execution, FirstFailureWinsAndStopsTheRun) {
  Graph g;
  auto first = call(g, Call{"first"}, "fail", "boom");
  auto second = call(g, Call{"second"}, "fail", "bang");
  auto after = call(g, Call{"after"}, "add", first, second);
  std::vector<NodeId> targets{after.id()};
  Log log;
  log.graph = &g;
  Execution ex(g, plan_for(g, targets), RunInfo{&g, "by-hand", 1, 0, Clock::now()}, {&log});
  ex.start();
  std::vector<NodeId> ready;
  ex.run(first.id(), 0, ready);
  EXPECT_TRUE(ex.stopped());
  ex.run(second.id(), 0, ready);  // a task already running when the first one failed
  ex.fail_infrastructure("a worker died");
  EXPECT_TRUE(ready.empty());
  EXPECT_EQ(state(ex, g), "first:0/1- second:0/1- after:2/0- ");
  const TaskError e = failure_of<TaskError>(ex);
  EXPECT_EQ(e.key(), "first");
  EXPECT_EQ(e.op(), "fail");
  EXPECT_EQ(e.message(), "boom");
  // The task that failed after it is counted and named; the infrastructure failure is not a
  // task's.
  EXPECT_EQ(e.other_failures(), 1u);
  EXPECT_THAT(e.listed_other_failures(), ElementsAre("task 'second' (op fail): bang"));
  EXPECT_THAT(e.what(), HasSubstr("; 1 other task failed before the run stopped: task "
                                  "'second' (op fail): bang"));
  EXPECT_THAT(log.lines,
              ElementsAre("run_started by-hand tasks=3", "started first", "failed first",
                          "started second", "failed second", "run_finished tasks_run=0 cpu_ms=42"));
}

// Unwatched plain tasks run straight on: a successor that only they made ready runs in the
// same run() call, and a link of a chain (its one argument the result of a task nobody else
// reads) gets that result in hand. The state afterwards is what running them one by one gives.
TEST(Execution, UnwatchedChainsRunOnInOneCall) {
  Graph g;
  auto a = call(g, Call{"a"}, "inc", 0);
  auto b = call(g, Call{"b"}, "dbl", a);
  auto c = call(g, Call{"c"}, "inc", b);  // a target read by d: d is no link
  auto d = call(g, Call{"d"}, "add", c, 10);
  auto e = call(g, Call{"e"}, "neg", d);
  auto f = call(g, Call{"f"}, "inc", e);
  std::vector<NodeId> targets{c.id(), f.id()};
  Execution ex(g, plan_for(g, targets), RunInfo{&g, "by-hand", 1, 0, Clock::now()});
  ex.start();
  std::vector<NodeId> ready;
  ex.run(a.id(), 0, ready);
  EXPECT_TRUE(ready.empty());
  EXPECT_EQ(state(ex, g), "a:0/0- b:0/0- c:0/0+ d:0/0- e:0/0- f:0/0+ ");
  EXPECT_THAT(ex.finish(), ElementsAre(Value(3), Value(-12)));
  EXPECT_EQ(ex.stats().tasks_run, 6u);
  EXPECT_EQ(ex.stats().peak_live_intermediates, 2u);  // as one by one: made, then input dropped
}

TEST(Execution, AFailingLinkKeepsItsInputAndStopsTheChain) {
  static const Op& op = register_op("test.three_is_bad", "fails on 3", [](int64_t x) {
    if (x == 3) throw std::runtime_error("three");
    return x;
  });
  Graph g;
  auto a = call(g, Call{"a"}, "inc", 0);
  auto b = call(g, Call{"b"}, "inc", a);
  auto c = call(g, Call{"c"}, "inc", b);
  auto d = call(g, Call{"d"}, op.name, c);
  auto e = call(g, Call{"e"}, "inc", d);
  std::vector<NodeId> targets{e.id()};
  Execution ex(g, plan_for(g, targets), RunInfo{&g, "by-hand", 1, 0, Clock::now()});
  ex.start();
  std::vector<NodeId> ready;
  ex.run(a.id(), 0, ready);
  EXPECT_TRUE(ready.empty());
  EXPECT_TRUE(ex.stopped());
  // d failed: c's result is still there for it, nothing after d ran.
  EXPECT_EQ(state(ex, g), "a:0/0- b:0/0- c:0/1+ d:0/1- e:1/0- ");
  const TaskError err = failure_of<TaskError>(ex);
  EXPECT_EQ(err.key(), "d");
  EXPECT_EQ(err.message(), "three");
  EXPECT_EQ(ex.stats().tasks_run, 3u);
}

// Runs every task in the calling thread, depth first, as the sync scheduler does.
std::vector<Value> run_all(Execution& ex) {
  ex.start();
  std::vector<NodeId> stack(ex.roots().begin(), ex.roots().end()), ready;
  while (!stack.empty()) {
    NodeId n = stack.back();
    stack.pop_back();
    ready.clear();
    ex.run(n, 0, ready);
    stack.insert(stack.end(), ready.begin(), ready.end());
  }
  return ex.finish();
}

// The lean path (nobody watching) against the general one (an observer): same values, tasks
// and peaks, here with strings, whose bytes count, along chains broken by a shared input.
TEST(Execution, RunningOnGivesTheStatisticsOfOneByOne) {
  Graph g;
  Delayed s = call(g, Call{"s0"}, "identity", std::string(1000, 'x'));
  Delayed shared = s;
  for (int i = 1; i <= 6; ++i) {
    s = call(g, Call{"s" + std::to_string(i)}, "add", s, std::string(100 * i, 'y'));
    s = call(g, Call{"i" + std::to_string(i)}, "identity", s);
    s = call(g, Call{"j" + std::to_string(i)}, "identity", s);
    if (i == 3) shared = s;  // read twice: the link after it is no link
  }
  auto side = call(g, Call{"side"}, "add", shared, "!");
  auto both = call(g, Call{"both"}, "add", side, shared);  // its arguments are its deps
  auto none = call(g, Call{"none"}, "count");              // so are its (no) arguments
  std::vector<NodeId> targets{s.id(), both.id(), none.id()};
  Log log;
  log.graph = &g;
  Execution lean(g, plan_for(g, targets), RunInfo{&g, "lean", 1, 0, Clock::now()});
  Execution watched(g, plan_for(g, targets), RunInfo{&g, "watched", 1, 0, Clock::now()}, {&log});
  EXPECT_EQ(run_all(lean), run_all(watched));
  EXPECT_EQ(lean.stats().tasks_run, watched.stats().tasks_run);
  EXPECT_EQ(lean.stats().peak_live_intermediates, watched.stats().peak_live_intermediates);
  EXPECT_EQ(lean.stats().peak_live_bytes, watched.stats().peak_live_bytes);
  EXPECT_GT(lean.stats().peak_live_bytes, 2000u);
  EXPECT_EQ(state(lean, g), state(watched, g));
}

TEST(Execution, AStopBetweenLinksEndsTheChainThere) {
  static Execution* running = nullptr;
  static const Op& op =
      register_op("test.stops_the_run", "stops the run it is part of", [](int64_t x) {
        running->fail_infrastructure("stopped by the op");
        return x;
      });
  Graph g;
  auto a = call(g, Call{"a"}, "inc", 0);
  auto b = call(g, Call{"b"}, "inc", a);
  auto c = call(g, Call{"c"}, op.name, b);
  auto d = call(g, Call{"d"}, "inc", c);
  auto e = call(g, Call{"e"}, "inc", d);
  std::vector<NodeId> targets{e.id()};
  Execution ex(g, plan_for(g, targets), RunInfo{&g, "by-hand", 1, 0, Clock::now()});
  running = &ex;
  ex.start();
  std::vector<NodeId> ready;
  ex.run(a.id(), 0, ready);
  // c finished (its result kept for d) and d was made ready, but nothing after c ran.
  EXPECT_THAT(ready, ElementsAre(d.id()));
  EXPECT_EQ(state(ex, g), "a:0/0- b:0/0- c:0/1+ d:0/1- e:1/0- ");
  EXPECT_THROW(ex.finish(), InfrastructureError);
  EXPECT_EQ(ex.stats().tasks_run, 3u);
  running = nullptr;
}

TEST(Execution, OutOfMemoryInATaskIsThatTasksFailure) {
  static const Op& op = register_op("test.bad_alloc", "throws std::bad_alloc",
                                    [](int64_t) -> int64_t { throw std::bad_alloc(); });
  Graph g;
  auto big = call(g, Call{"big"}, op.name, 1);
  std::vector<NodeId> targets{big.id()};
  Execution ex(g, plan_for(g, targets), RunInfo{&g, "by-hand", 1, 0, Clock::now()});
  ex.start();
  std::vector<NodeId> ready;
  ex.run(big.id(), 0, ready);
  const TaskError e = failure_of<TaskError>(ex);
  EXPECT_EQ(e.key(), "big");
  EXPECT_EQ(e.message(), "std::bad_alloc");
}

TEST(Execution, AnInfrastructureFailureFirstIsWhatIsThrown) {
  Arithmetic a;
  std::vector<NodeId> targets{a.z.id()};
  Execution ex(a.g, plan_for(a.g, targets), RunInfo{&a.g, "by-hand", 2, 0, Clock::now()});
  ex.fail_infrastructure("worker 1 (pid 7) was killed by signal 9");
  ex.fail_task(a.x.id(), "too late to matter");
  EXPECT_TRUE(ex.stopped());
  const InfrastructureError e = failure_of<InfrastructureError>(ex);
  EXPECT_STREQ(e.what(), "worker 1 (pid 7) was killed by signal 9");
}

TEST(Execution, StoppingEarlyIsAnInfrastructureError) {
  Arithmetic a;
  std::vector<NodeId> targets{a.z.id()};
  Execution ex(a.g, plan_for(a.g, targets), RunInfo{&a.g, "by-hand", 1, 0, Clock::now()});
  std::vector<NodeId> ready;
  ex.run(a.x.id(), 0, ready);  // a scheduler that gives up after one task
  const InfrastructureError e = failure_of<InfrastructureError>(ex);
  EXPECT_STREQ(e.what(),
               "the scheduler 'by-hand' returned after 1 of 3 tasks ran, with no failure or "
               "stop: it lost tasks or returned before they finished");
}

TEST(Execution, ATaskRunTwiceIsAnInfrastructureError) {
  Arithmetic a;
  std::vector<NodeId> targets{a.x.id(), a.y.id()};
  Execution ex(a.g, plan_for(a.g, targets), RunInfo{&a.g, "by-hand", 1, 0, Clock::now()});
  std::vector<NodeId> ready;
  for (NodeId n : {a.x.id(), a.y.id(), a.x.id()}) ex.run(n, 0, ready);
  const InfrastructureError e = failure_of<InfrastructureError>(ex);
  EXPECT_STREQ(e.what(),
               "the scheduler 'by-hand' ran 3 tasks of a graph of 2: it ran some more "
               "than once");
}

TEST(Execution, AWorkerNumberOutOfRangeIsAnInfrastructureError) {
  Arithmetic a;
  std::vector<NodeId> targets{a.x.id()};
  Execution ex(a.g, plan_for(a.g, targets), RunInfo{&a.g, "by-hand", 2, 0, Clock::now()});
  std::vector<NodeId> ready;
  ex.run(a.x.id(), 2, ready);  // workers are 0 and 1
  EXPECT_TRUE(ex.stopped());
  const InfrastructureError e = failure_of<InfrastructureError>(ex);
  EXPECT_STREQ(e.what(),
               "the scheduler 'by-hand' ran task 'x' on worker 2, but it has 2 workers "
               "(numbered 0 to 1)");
}

TEST(Execution, TaskRanTakesTheWorkersTimes) {
  Arithmetic a;
  std::vector<NodeId> targets{a.z.id()};
  struct Times final : Observer {
    std::vector<std::pair<Clock::time_point, Clock::time_point>> seen;
    void task_started(const TaskEvent& e) override { seen.emplace_back(e.start, e.end); }
    void task_finished(const TaskEvent& e) override { seen.emplace_back(e.start, e.end); }
  } times;
  Execution ex(a.g, plan_for(a.g, targets), RunInfo{&a.g, "by-hand", 1, 0, Clock::now()}, {&times});
  const Clock::time_point t0{std::chrono::seconds(5)}, t1{std::chrono::seconds(7)};
  std::vector<NodeId> ready;
  ex.task_ran(TaskEvent{a.x.id(), 0, 1234, t0, t1}, Value(4), ready);
  ASSERT_EQ(times.seen.size(), 2u);
  EXPECT_EQ(times.seen[0], std::make_pair(t0, t0));  // at start, the end is not known yet
  EXPECT_EQ(times.seen[1], std::make_pair(t0, t1));
  EXPECT_EQ(state(ex, a.g), "x:0/1+ y:0/1- z:1/0- ");
}

}  // namespace
}  // namespace schedlab
