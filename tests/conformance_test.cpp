// The conformance cases (conformance/cases.cpp) on every registered scheduler at 1, 2 and 4
// workers, and the registry's own rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/resource_usage.hpp"
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

// Workers default to the cores this process may use: under `taskset -c 0` (or a cpuset, or a
// container's CPU quota), one, whatever the machine has.
TEST(Registry, DefaultWorkersAreTheCoresThisProcessMayUse) {
  EXPECT_GE(default_workers(), 1u);
  EXPECT_LE(default_workers(), std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(default_workers(), usable_cores());
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) _exit(2);
    _exit(usable_cores() == 1 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: more than one worker on one CPU; 2: no affinity";
}

// What calibration may fill (suite/prepared.cpp's copies side by side) is no more than a
// cgroup's memory limit leaves: a child moved into a cgroup of 256 MB, where one can be made.
TEST(Resources, MemoryAvailableStaysBelowACgroupLimit) {
  const bool v2 = std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers");
  const std::filesystem::path group =
      std::filesystem::path(v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory") /
      ("schedlab-test-" + std::to_string(getpid()));
  std::error_code ec;
  if (!std::filesystem::create_directory(group, ec)) GTEST_SKIP() << "no cgroup: " << ec.message();
  const bool limited = static_cast<bool>(
      std::ofstream(group / (v2 ? "memory.max" : "memory.limit_in_bytes")) << (256 << 20));
  const pid_t child = limited ? fork() : -1;
  if (child == 0) {
    if (!(std::ofstream(group / "cgroup.procs") << getpid())) _exit(2);
    const uint64_t available = mem_available_bytes();
    _exit(available > 0 && available <= (uint64_t{256} << 20) ? 0 : 1);
  }
  int status = -1;
  if (child > 0) waitpid(child, &status, 0);
  std::filesystem::remove(group, ec);
  if (!limited) GTEST_SKIP() << "cannot set a memory limit on " << group;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: more than the limit, or none; 2: could not move";
}

}  // namespace
}  // namespace schedlab
