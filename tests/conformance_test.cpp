// The conformance cases (conformance/cases.cpp) on every registered scheduler at 1, 2 and 4
// workers, and the registry's own rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {
namespace {

using ::testing::HasSubstr;

TEST(DefaultScheduler, PerCallGloballyAndForAScope) {
  Graph g;
  auto x = call(g, "inc", 1);
  EXPECT_EQ(default_scheduler(), "threads");
  EXPECT_EQ(compute(x).scheduler, "threads");
  set_default_scheduler("synchronous");  // an alias is fine
  EXPECT_EQ(compute(x).scheduler, "sync");
  {
    SchedulerScope scope("processes");
    EXPECT_EQ(compute(x).scheduler, "processes");
    EXPECT_EQ(compute(x, {.scheduler = "threads"}).scheduler, "threads");  // per call wins
  }
  EXPECT_EQ(compute(x).scheduler, "sync");
  set_default_scheduler("threads");
  EXPECT_THROW(set_default_scheduler("gpu"), UsageError);
  EXPECT_THROW(SchedulerScope("gpu"), UsageError);
  EXPECT_EQ(default_scheduler(), "threads");
}

TEST(Registry, AliasesAndUnknownNames) {
  auto& r = SchedulerRegistry::global();
  EXPECT_EQ(r.info("single-threaded").name, "sync");
  EXPECT_EQ(r.info("synchronous").name, "sync");
  EXPECT_EQ(r.info("threading").name, "threads");
  try {
    r.info("gpu");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown scheduler 'gpu'"));
    EXPECT_THAT(e.what(), HasSubstr("threads (threading)"));
  }
}

}  // namespace
}  // namespace schedlab
