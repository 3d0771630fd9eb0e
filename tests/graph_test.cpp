#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

#include "schedlab/core/analysis.hpp"
#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/plan.hpp"

namespace schedlab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(Graph, DelayedApiBuildsTasks) {
  Graph g;
  auto x = call(g, "inc", 1);
  auto y = call(g, Call{"y", TaskOptions::sleeping(5)}, "dec", 2);
  auto z = x + y;
  auto w = 10 * z;
  EXPECT_EQ(g.size(), 4u);
  EXPECT_EQ(x.key(), "inc-0");
  EXPECT_EQ(y.key(), "y");
  EXPECT_EQ(g.options(y.id()).sleep_us, 5000u);
  EXPECT_EQ(g.op(z.id())->name, "add");
  EXPECT_EQ(g.op(w.id())->name, "mul");
  std::vector<NodeId> deps;
  g.for_each_ref(z.id(), [&](NodeId d) { deps.push_back(d); });
  EXPECT_THAT(deps, ElementsAre(x.id(), y.id()));
}

TEST(Graph, AccumulateGivesAChainAndSumGivesOneTask) {
  Graph g;
  std::vector<Delayed> parts;
  for (int i = 0; i < 4; ++i) parts.push_back(call(g, "inc", i));
  Delayed chain = std::accumulate(parts.begin() + 1, parts.end(), parts[0]);
  Delayed fan = call("sum", parts);
  EXPECT_EQ(g.size(), 4u + 3u + 1u);
  auto chain_plan = detail::build_plan(g, std::vector<NodeId>{chain.id()}, false);
  auto fan_plan = detail::build_plan(g, std::vector<NodeId>{fan.id()}, false);
  EXPECT_EQ(chain_plan.tasks, 7u);
  EXPECT_EQ(fan_plan.tasks, 5u);
  EXPECT_EQ(fan_plan.pending[fan.id()], 4u);
}

TEST(Graph, ArityAndUnknownOpsFailAtOnce) {
  Graph g;
  EXPECT_THAT(error_of([&] { call(g, "inc", 1, 2); }), HasSubstr("op inc takes 1 argument, got 2"));
  EXPECT_THAT(error_of([&] { call(g, "nope", 1); }), HasSubstr("unknown op 'nope'"));
  EXPECT_EQ(g.size(), 0u);
}

TEST(Plan, SlowArithmeticHasTheExpectedState) {
  Graph g;
  auto x = call(g, Call{"x"}, "add", 1, 3);
  auto y = call(g, Call{"y"}, "sub", 2, 4);
  auto z = call(g, Call{"z"}, "mul", x, y);
  auto r = call(g, Call{"r"}, "div", z, 5.0);
  std::vector<NodeId> targets{r.id()};
  auto plan = plan_for(g, targets);
  EXPECT_EQ(plan->tasks, 4u);
  EXPECT_EQ(plan->edges, 3u);
  EXPECT_THAT(plan->pending, ElementsAre(0, 0, 2, 1));
  EXPECT_THAT(plan->roots, ElementsAre(x.id(), y.id()));
  EXPECT_THAT(plan->succs_of(x.id()), ElementsAre(z.id()));
  EXPECT_THAT(plan->deps_of(z.id()), ElementsAre(x.id(), y.id()));
  EXPECT_THAT(plan->order, ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(plan_for(g, targets), plan);  // cached
}

TEST(Plan, OnlyAncestorsOfTargetsAreNeeded) {
  Graph g;
  auto a = call(g, "inc", 1);
  auto b = call(g, "inc", a);
  call(g, "inc", a);  // not needed for b
  std::vector<NodeId> targets{b.id()};
  EXPECT_EQ(plan_for(g, targets)->tasks, 2u);
  EXPECT_EQ(g.sinks().size(), 2u);
}

TEST(Plan, RepeatedArgumentsCountOnce) {
  Graph g;
  auto a = call(g, "inc", 1);
  auto b = a + a;
  std::vector<NodeId> targets{b.id()};
  EXPECT_EQ(plan_for(g, targets)->pending[b.id()], 1u);
}

TEST(Plan, TasksReadingJustTheirDepsAreMarkedToRunFromThePlan) {
  Graph g;
  auto x = call(g, Call{"x"}, "inc", 1);
  auto y = call(g, Call{"y"}, "inc", 2);
  auto k = g.add_literal("k", Value(int64_t{3}));
  auto both = call(g, Call{"both"}, "add", x, y);
  auto swapped = call(g, Call{"swapped"}, "sub", y, x);
  auto twice = call(g, Call{"twice"}, "add", x, x);
  auto with_literal = call(g, Call{"with_literal"}, "add", x, 5);
  auto of_literal_node = call(g, Call{"of_literal_node"}, "inc", Delayed(g, k));
  auto none = call(g, Call{"none"}, "count");
  std::vector<NodeId> targets{both.id(),         swapped.id(),         twice.id(),
                              with_literal.id(), of_literal_node.id(), none.id()};
  auto plan = plan_for(g, targets);
  auto dep_args = [&](Delayed d) { return (plan->flags[d.id()] & Plan::kDepArgs) != 0; };
  EXPECT_TRUE(dep_args(both));
  EXPECT_TRUE(dep_args(swapped));  // deps keep the arguments' order
  EXPECT_FALSE(dep_args(twice));   // one dep, two arguments
  EXPECT_FALSE(dep_args(with_literal));
  EXPECT_FALSE(dep_args(of_literal_node));  // a literal node is no dep
  EXPECT_FALSE(dep_args(x));                // a literal argument
  EXPECT_TRUE(dep_args(none));              // no arguments, no deps
}

TEST(Validate, CycleIsNamedInOrder) {
  Graph g;
  // a -> b -> c -> a, built with explicit ids because handles cannot make cycles.
  std::vector<ArgSpec> to_b{Ref{1}}, to_c{Ref{2}}, to_a{Ref{0}};
  g.add_task("a", "inc", to_b);
  g.add_task("b", "inc", to_c);
  g.add_task("c", "inc", to_a);
  g.add_task("d", "identity", std::vector<ArgSpec>{Value(1)});
  EXPECT_THAT(error_of([&] { g.validate(); }),
              HasSubstr("cycle: 'a' -> 'b' -> 'c' -> 'a' (each key depends on the next)"));
}

TEST(Validate, SelfReferenceAndMissingNodeAndDuplicates) {
  Graph g;
  g.add_task("a", "inc", std::vector<ArgSpec>{Ref{0}});
  EXPECT_THAT(error_of([&] { g.validate(); }), HasSubstr("'a' -> 'a'"));
  Graph h;
  h.add_task("a", "inc", std::vector<ArgSpec>{Ref{7}});
  EXPECT_THAT(error_of([&] { h.validate(); }), HasSubstr("task 'a' refers to node 7"));
  Graph k;
  k.add_literal("a", Value(1));
  k.add_literal("a", Value(2));
  EXPECT_THAT(error_of([&] { k.validate(); }), HasSubstr("duplicate key 'a'"));
}

TEST(Validate, TargetsMustExist) {
  Graph g;
  call(g, "inc", 1);
  std::vector<std::string> keys{"missing"};
  EXPECT_THAT(error_of([&] { resolve_targets(g, keys); }), HasSubstr("target 'missing'"));
  std::vector<NodeId> ids{5};
  EXPECT_THAT(error_of([&] { plan_for(g, ids); }), HasSubstr("target node 5"));
}

TEST(Analysis, ShapeWorkAndCriticalPath) {
  Graph g;
  auto slow = TaskOptions::sleeping(100);
  auto x = call(g, Call{"x", slow}, "add", 1, 3);
  auto y = call(g, Call{"y", slow}, "sub", 2, 4);
  auto z = call(g, Call{"z", slow}, "mul", x, y);
  auto r = call(g, Call{"r", slow}, "div", z, 5);
  const auto plan = plan_for(g, std::vector<NodeId>{r.id()});
  EXPECT_EQ(plan->tasks, 4u);
  EXPECT_EQ(plan->edges, 3u);
  std::vector<double> cost(g.size(), 0);
  for (NodeId n : plan->order) cost[n] = g.options(n).sleep_ms();
  const CriticalPath path = critical_path(*plan, cost);
  EXPECT_DOUBLE_EQ(path.ms, 300);
  EXPECT_THAT(path.tasks, ElementsAre(x.id(), z.id(), r.id()));
}

TEST(Graph, MillionTaskChainHasNoRecursion) {
  Graph g;
  Delayed last = call(g, "inc", 0);
  for (int i = 1; i < 1'000'000; ++i) last = call(g, "inc", last);
  std::vector<NodeId> targets{last.id()};
  const auto plan = plan_for(g, targets);
  const CriticalPath path = critical_path(*plan, std::vector<double>(g.size(), 1));
  EXPECT_EQ(path.tasks.size(), 1'000'000u);
  EXPECT_LT(g.memory_bytes() / g.size(), 128u);
}

}  // namespace
}  // namespace schedlab
