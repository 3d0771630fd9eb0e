// The classroom suite and the lesson's schedulers come from the registries: a scheduler
// registered by a user joins every lesson, a cluster runs at 2 workers, and each lesson runs
// the cases its scenario declares. (A binary of its own: the fake scheduler stays registered.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "schedlab/kernels/scenarios.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/suite/spec.hpp"

namespace schedlab::suite {
namespace {

size_t count(const SuiteSpec& spec, auto pred) {
  return static_cast<size_t>(std::count_if(spec.cells.begin(), spec.cells.end(), pred));
}

// The lessons come as the class meets them, notebook by notebook (seed 000 first), whatever
// the order the scenarios were registered in; the reports follow the run's order.
TEST(Classroom, LessonsRunInTheirNotebooksOrder) {
  auto seed_of = [](const std::string& scenario) {
    for (const kernels::Scenario& s : kernels::scenarios()) {
      if (s.name == scenario) return s.seed;
    }
    return std::string("?");
  };
  for (const SuiteSpec& spec : {classroom_suite(), suite_from_options({.schedulers = {"sync"}})}) {
    std::vector<std::string> seeds;
    for (const CellSpec& c : spec.cells) seeds.push_back(seed_of(c.scenario));
    ASSERT_FALSE(seeds.empty());
    EXPECT_TRUE(std::is_sorted(seeds.begin(), seeds.end())) << ::testing::PrintToString(seeds);
    EXPECT_EQ(seeds.front(), "seed 000");
  }
}

TEST(Classroom, EveryLessonCaseOnEveryRegisteredScheduler) {
  SchedulerRegistry& registry = SchedulerRegistry::global();
  SchedulerInfo mine = registry.info("threads");
  mine.name = "mine";
  mine.aliases = {};
  registry.add(mine);
  const SuiteSpec spec = classroom_suite();
  std::set<std::string> lessons;
  for (const kernels::Scenario& s : kernels::scenarios()) {
    if (!s.lesson_suite) {
      EXPECT_EQ(count(spec, [&](const CellSpec& c) { return c.scenario == s.name; }), 0u);
      continue;
    }
    for (const kernels::ClassroomCase& k : s.classroom) {
      // The user's scheduler, as any scheduler of threads: 1, 2 and 4 workers.
      for (unsigned w : {1u, 2u, 4u}) {
        EXPECT_EQ(count(spec,
                        [&](const CellSpec& c) {
                          return c.scenario == s.name && c.scheduler == "mine" && c.workers == w &&
                                 c.gil == k.gil && c.params == k.params;
                        }),
                  1u)
            << s.name << " with " << w << " workers";
      }
    }
  }
  // fib runs with and without the GIL, inc-dbl with both reductions.
  EXPECT_GT(count(spec, [](const CellSpec& c) { return c.scenario == "fib" && c.gil; }), 0u);
  EXPECT_GT(count(spec,
                  [](const CellSpec& c) {
                    return c.scenario == "inc-dbl" && c.params.at("reduce") == "chain";
                  }),
            0u);
  // A cluster runs each lesson at 2 workers, and seed 001's clusters of 2 x 2 and 8 x 2.
  for (const SchedulerInfo* info : registry.list()) {
    if (info->traits.processes != ProcessModel::processes_of_threads) continue;
    EXPECT_EQ(count(spec,
                    [&](const CellSpec& c) {
                      return c.scheduler == info->name && c.workers != 2 && c.workers != 8;
                    }),
              0u);
    EXPECT_EQ(count(spec,
                    [&](const CellSpec& c) {
                      return c.scheduler == info->name && c.scenario == "inc-dec-add" &&
                             c.threads == 2;
                    }),
              2u);
  }
}

}  // namespace
}  // namespace schedlab::suite
