#include "schedlab/core/predict.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedlab/core/delayed.hpp"
#include "tests/seed_graphs.hpp"

namespace schedlab {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

struct SlowArithmetic {
  Graph g;
  std::vector<NodeId> targets;
  explicit SlowArithmetic(LockKind lock = LockKind::none) {
    auto slow = TaskOptions::sleeping(100, lock);
    auto x = call(g, Call{"x", slow}, "add", 1, 3);
    auto y = call(g, Call{"y", slow}, "sub", 2, 4);
    auto z = call(g, Call{"z", slow}, "mul", x, y);
    targets = {call(g, Call{"r", slow}, "div", z, 5).id()};
  }
  Prediction on(unsigned workers, bool separate = false) {
    return predict(
        g, targets, {},
        {.workers = workers,
         .processes = separate ? ProcessModel::process_per_worker : ProcessModel::one_process,
         .cores = 2});
  }
};

TEST(Predict, SlowArithmetic) {
  SlowArithmetic s;
  EXPECT_DOUBLE_EQ(s.on(1).predicted_ms, 400);
  EXPECT_DOUBLE_EQ(s.on(2).predicted_ms, 300);
  EXPECT_DOUBLE_EQ(s.on(4).predicted_ms, 300);
  Prediction p = s.on(2);
  EXPECT_DOUBLE_EQ(p.total_work_ms, 400);
  EXPECT_DOUBLE_EQ(p.critical_path_ms, 300);
  EXPECT_DOUBLE_EQ(p.bound_ms, 300);
  EXPECT_THAT(p.reasoning[1], HasSubstr("x -> z -> r"));
  EXPECT_EQ(p.critical_chain, "x -> z -> r");
  EXPECT_TRUE(p.slowed_by.empty());
  EXPECT_TRUE(p.not_slowed_by.empty());
}

// A fresh pool per run (processes --pool fresh) comes before every task and says so.
TEST(Predict, AFreshPoolsStartComesBeforeTheFirstTask) {
  SlowArithmetic s;
  MachineModel m;
  m.workers = 2;
  m.processes = ProcessModel::process_per_worker;
  const Prediction reused = predict(s.g, s.targets, {}, m);
  m.startup_ms = 12;
  const Prediction fresh = predict(s.g, s.targets, {}, m);
  EXPECT_DOUBLE_EQ(fresh.predicted_ms, reused.predicted_ms + 12);
  ASSERT_EQ(fresh.schedule.size(), reused.schedule.size());
  for (size_t i = 0; i < fresh.schedule.size(); ++i)
    EXPECT_DOUBLE_EQ(fresh.schedule[i].start_ms, reused.schedule[i].start_ms + 12);
  EXPECT_THAT(fresh.reasoning, Contains(HasSubstr("a fresh pool of 2 worker processes")));
}

// Dask's batching (--chunksize): seed 000's four inc(dbl(x)) on 2 workers. In chunks of 6 the
// first free worker takes all four dbl, and the incs wait for the last of them: 8 units, the
// serial time, where one task at a time takes 4 (and chunks of 2 share the work again).
TEST(Predict, ChunksOfTasksRunInTurnAndReleaseTogether) {
  Graph g;
  const std::vector<NodeId> targets{testing::inc_dbl(g, 100).id()};
  auto on = [&](unsigned chunksize) {
    MachineModel m;
    m.workers = 2;
    m.policy = Policy::work_first;
    m.processes = ProcessModel::process_per_worker;
    m.chunksize = chunksize;
    return predict(g, targets, {}, m);
  };
  EXPECT_DOUBLE_EQ(on(1).predicted_ms, 400);
  EXPECT_DOUBLE_EQ(on(2).predicted_ms, 400);
  const Prediction six = on(6);
  EXPECT_DOUBLE_EQ(six.predicted_ms, 800);
  for (const ScheduledTask& t : six.schedule) EXPECT_EQ(t.worker, 0u);
  EXPECT_THAT(six.reasoning, Contains(HasSubstr("in chunks of 6")));
}

TEST(Predict, SleeplockSerialisesThreadsNotProcesses) {
  SlowArithmetic s(LockKind::process);
  EXPECT_DOUBLE_EQ(s.on(2).predicted_ms, 400);
  EXPECT_DOUBLE_EQ(s.on(2, /*separate=*/true).predicted_ms, 300);
  EXPECT_THAT(s.on(2).reasoning[3], HasSubstr("take turns"));
  // What a lesson names for a guess too low (threads) or too high (processes).
  EXPECT_THAT(s.on(2).slowed_by, ::testing::ElementsAre(HasSubstr("take turns")));
  EXPECT_TRUE(s.on(2).not_slowed_by.empty());
  EXPECT_THAT(s.on(2, true).not_slowed_by, ::testing::ElementsAre(HasSubstr("its own lock")));
  EXPECT_TRUE(s.on(2, true).slowed_by.empty());
  // One task is one task.
  Graph one;
  std::vector<NodeId> locked{
      call(one, Call{"a", TaskOptions::sleeping(10, LockKind::process)}, "inc", 1).id()};
  EXPECT_THAT(predict(one, locked, {}, {.workers = 2}).reasoning,
              Contains(HasSubstr("lock=process on 1 task:")));
  SlowArithmetic global(LockKind::global);
  EXPECT_DOUBLE_EQ(global.on(2, true).predicted_ms, 400);
}

TEST(Predict, GilAndCoresLimitComputing) {
  Graph g;
  std::vector<Delayed> parts;
  for (int i = 0; i < 4; ++i) parts.push_back(call(g, "fib", 20));
  std::vector<NodeId> targets{call("identity", parts).id()};
  std::vector<double> compute(g.size(), 10.0);
  compute[targets[0]] = 0;
  auto on = [&](unsigned w, bool separate, bool gil) {
    return predict(g, targets,
                   {.compute_ms = compute,
                    .encode_ms = {},
                    .decode_ms = {},
                    .bytes = {},
                    .side_by_side = {}},
                   {.workers = w,
                    .processes =
                        separate ? ProcessModel::process_per_worker : ProcessModel::one_process,
                    .gil = gil,
                    .cores = 2})
        .predicted_ms;
  };
  EXPECT_DOUBLE_EQ(on(1, false, false), 40);
  EXPECT_DOUBLE_EQ(on(2, false, false), 20);
  EXPECT_DOUBLE_EQ(on(4, false, false), 20);  // two cores
  EXPECT_DOUBLE_EQ(on(2, false, true), 40);   // one GIL: no faster than one worker
  EXPECT_DOUBLE_EQ(on(2, true, true), 20);    // one GIL per process
  // One worker computes alone: the GIL slows nothing, and its reasoning says so (a lesson must
  // not tell a student that sync missed the GIL); with two threads it does slow them.
  auto with_gil = [&](unsigned w) {
    return predict(
        g, targets,
        {.compute_ms = compute, .encode_ms = {}, .decode_ms = {}, .bytes = {}, .side_by_side = {}},
        {.workers = w, .processes = ProcessModel::one_process, .gil = true, .cores = 2});
  };
  EXPECT_TRUE(with_gil(1).slowed_by.empty());
  EXPECT_THAT(with_gil(1).not_slowed_by,
              ::testing::ElementsAre("GIL on: one worker computes alone, so the GIL holds nothing "
                                     "back"));
  EXPECT_THAT(with_gil(2).slowed_by, ::testing::ElementsAre(HasSubstr("GIL on")));
}

TEST(Predict, GreedyListSchedulingOrder) {
  // Ready tasks are taken oldest first: a long task started late can dominate.
  Graph g;
  auto a = call(g, Call{"a", TaskOptions::sleeping(10)}, "inc", 1);
  auto b = call(g, Call{"b", TaskOptions::sleeping(10)}, "inc", 1);
  auto c = call(g, Call{"c", TaskOptions::sleeping(30)}, "inc", 1);
  std::vector<NodeId> targets{a.id(), b.id(), c.id()};
  EXPECT_DOUBLE_EQ(predict(g, targets, {}, {.workers = 2, .cores = 2}).predicted_ms, 40);
}

TEST(Predict, WorkFirstPolicyRunsSuccessorsAtOnce) {
  // inc-dec-add with n = 4, every task 50 ms, on 2 workers.
  Graph g;
  std::vector<Delayed> adds;
  auto slow = TaskOptions::sleeping(50);
  for (int i = 0; i < 4; ++i) {
    auto x = call(g, Call{{}, slow}, "inc", i);
    auto y = call(g, Call{{}, slow}, "dec", i);
    adds.push_back(call(g, Call{{}, slow}, "add", x, y));
  }
  std::vector<NodeId> targets{call("sum", adds).id()};
  auto on = [&](Policy p) {
    return predict(g, targets, {}, {.workers = 2, .policy = p, .cores = 2}).predicted_ms;
  };
  EXPECT_DOUBLE_EQ(on(Policy::fifo), 300);        // all 8 roots first, then the 4 adds
  EXPECT_DOUBLE_EQ(on(Policy::work_first), 350);  // each add runs as soon as its pair is done
}

// Processes side by side slow each other as measured (TaskCosts::side_by_side): a task's time
// on a core is its work at solo speed, at a rate that changes when another starts or ends.
TEST(Predict, ProcessesSideBySideRunAtTheMeasuredSlowdown) {
  Graph g;
  auto a = call(g, Call{"a"}, "inc", 1);
  auto b = call(g, Call{"b"}, "inc", 2);
  auto c = call(g, Call{"c"}, "inc", a);
  std::vector<NodeId> targets{b.id(), c.id()};
  TaskCosts costs{.compute_ms = std::vector<double>(g.size(), 0.0),
                  .encode_ms = {},
                  .decode_ms = {},
                  .bytes = {},
                  .side_by_side = {.copies = 4, .computing = 2.5, .moving = 1}};
  costs.compute_ms[a.id()] = 100;
  costs.compute_ms[b.id()] = 50;
  costs.compute_ms[c.id()] = 10;
  auto on = [&](ProcessModel model, unsigned workers, unsigned cores) {
    return predict(g, targets, costs, {.workers = workers, .processes = model, .cores = cores});
  };
  // Measured 2.5x with 4 copies, so 1.5x with 2 (linear from 1 alone): a and b side by side at
  // 1/1.5 speed, b ends at 75 with a half done; a's other 50 alone: 125; then c alone.
  const Prediction apart = on(ProcessModel::process_per_worker, 2, 2);
  EXPECT_DOUBLE_EQ(apart.predicted_ms, 135);
  EXPECT_THAT(apart.slowed_by, Contains(HasSubstr("4 copies at once in processes, each against "
                                                  "one alone, its computing ran 2.50x as long")));
  EXPECT_THAT(apart.slowed_by, Not(Contains(HasSubstr("moving its costliest value"))));
  // One after the other, on one core, or in threads of one process: as measured alone.
  EXPECT_DOUBLE_EQ(on(ProcessModel::process_per_worker, 1, 2).predicted_ms, 160);
  EXPECT_DOUBLE_EQ(on(ProcessModel::process_per_worker, 2, 1).predicted_ms, 160);
  const Prediction shared = on(ProcessModel::one_process, 2, 2);
  EXPECT_DOUBLE_EQ(shared.predicted_ms, 110);
  EXPECT_THAT(shared.reasoning, Not(Contains(HasSubstr("side by side slow"))));
}

TEST(Predict, ProcessWorkersPayTheParentToMoveValuesOneAtATime) {
  // Two 10 ms tasks each make a value that costs 4 ms to encode and 6 ms to decode; a third
  // takes both. Values only move where workers are processes.
  Graph g;
  auto a = call(g, Call{"a"}, "inc", 1);
  auto b = call(g, Call{"b"}, "inc", 2);
  auto c = call(g, Call{"c"}, "add", a, b);
  std::vector<NodeId> targets{c.id()};
  TaskCosts costs{.compute_ms = std::vector<double>(g.size(), 0.0),
                  .encode_ms = std::vector<double>(g.size(), 0.0),
                  .decode_ms = std::vector<double>(g.size(), 0.0),
                  .bytes = {},
                  .side_by_side = {}};
  for (NodeId n : {a.id(), b.id()}) {
    costs.compute_ms[n] = 10;
    costs.encode_ms[n] = 4;
    costs.decode_ms[n] = 6;
  }
  auto on = [&](ProcessModel model) {
    return predict(g, targets, costs, {.workers = 2, .processes = model, .cores = 4});
  };
  const Prediction shared = on(ProcessModel::one_process);
  EXPECT_DOUBLE_EQ(shared.predicted_ms, 10);
  EXPECT_THAT(shared.reasoning, Not(Contains(HasSubstr("values move"))));
  // a and b: 10 ms + 4 ms encoding on their workers, then the parent decodes one result after
  // the other (6 ms each, ends at 26); c: the parent encodes both arguments (8 ms, ends at
  // 34), then its worker decodes them (12 ms).
  const Prediction apart = on(ProcessModel::process_per_worker);
  EXPECT_DOUBLE_EQ(apart.predicted_ms, 46);
  EXPECT_THAT(apart.reasoning, Contains(HasSubstr("values move between processes")));
  EXPECT_THAT(apart.reasoning, Not(Contains(HasSubstr("stay on the worker"))));
  // Moving measured at 2x with 2 copies side by side (computing not slowed): a and b each spend
  // 4 of their 14 ms encoding, side by side, so each takes 14 x (10/14 + 4/14 x 2) = 18 ms;
  // then as before, one at a time: 18 + 12 + 8 + 12 = 50.
  costs.side_by_side = {.copies = 2, .computing = 1, .moving = 2};
  const Prediction slowed = on(ProcessModel::process_per_worker);
  EXPECT_DOUBLE_EQ(slowed.predicted_ms, 50);
  EXPECT_THAT(slowed.slowed_by, Contains(HasSubstr("moving its costliest value")));
  costs.side_by_side = {};

  // A cluster keeps large results where they were made: a and b (1 MB each) stay on their
  // workers; c goes to a's worker (the lowest of two equal homes), reads a in place and has
  // b fetched through the parent (14 ns a byte in all: 14 ms, of which the worker's decode is
  // 6 ms), so 10 + 8 + 6.
  costs.bytes.assign(g.size(), 8.0);
  costs.bytes[a.id()] = costs.bytes[b.id()] = 1e6;
  auto cluster = [&](size_t kept_bytes) {
    return predict(g, targets, costs,
                   {.workers = 2,
                    .processes = ProcessModel::process_per_worker,
                    .cores = 4,
                    .kept_bytes = kept_bytes,
                    .fetch_ns_per_byte = 14});
  };
  const Prediction kept = cluster(64 * 1024);
  EXPECT_DOUBLE_EQ(kept.predicted_ms, 24);
  ASSERT_EQ(kept.schedule.size(), 3u);
  EXPECT_EQ(kept.schedule[2].node, c.id());
  EXPECT_EQ(kept.schedule[2].worker,
            kept.schedule[0].node == a.id() ? kept.schedule[0].worker : kept.schedule[1].worker);
  EXPECT_THAT(kept.reasoning, Contains(HasSubstr("2 large results (64 KiB or more encoded) "
                                                 "stay on the worker that made them")));
  EXPECT_THAT(kept.reasoning, Contains(HasSubstr("1 is fetched for a task elsewhere")));
  // Values under the threshold move as between processes.
  const Prediction small = cluster(2'000'000);
  EXPECT_DOUBLE_EQ(small.predicted_ms, apart.predicted_ms);
  EXPECT_THAT(small.reasoning, Not(Contains(HasSubstr("stay on the worker"))));
}

}  // namespace
}  // namespace schedlab
