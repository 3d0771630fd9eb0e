// The run's watchers on their own, without a scheduler: Deadlines (which limit passes, for which
// task, once) and the processes scheduler's spin-then-yield wait.
#include "schedlab/schedulers/deadlines.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "schedlab/schedulers/processes/spin.hpp"

namespace schedlab {
namespace {

using namespace std::chrono_literals;

struct Expiry {
  NodeId node;
  bool whole_run;
  Clock::duration ran;
};

// What a Deadlines reported, collected from its thread.
struct Recorder {
  std::mutex mutex;
  std::vector<Expiry> seen;
  Deadlines::Expired callback() {
    return [this](NodeId n, bool whole, Clock::duration ran) {
      std::lock_guard lock(mutex);
      seen.push_back({n, whole, ran});
    };
  }
  std::vector<Expiry> wait_for(size_t count, Clock::duration patience = 5s) {
    const auto until = Clock::now() + patience;
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (seen.size() >= count || Clock::now() > until) return seen;
      }
      std::this_thread::sleep_for(1ms);
    }
  }
};

TEST(Deadlines, ATaskPastItsLimitIsNamedOnce) {
  Recorder r;
  const auto start = Clock::now();
  Deadlines d({.run = 0ns, .task = 20ms}, 2, start, r.callback());
  d.begin(0, 7, start);
  const std::vector<Expiry> seen = r.wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].node, 7u);
  EXPECT_FALSE(seen[0].whole_run);
  EXPECT_GE(seen[0].ran, 20ms);
  std::this_thread::sleep_for(50ms);  // it stopped watching: never reported twice
  EXPECT_EQ(r.wait_for(2, 0ms).size(), 1u);
}

TEST(Deadlines, TheWholeRunLimitNamesTheLongestRunningTask) {
  Recorder r;
  const auto start = Clock::now();
  Deadlines d({.run = 30ms, .task = 0ns}, 3, start, r.callback());
  d.begin(0, 1, start + 5ms);
  d.begin(1, 2, start);  // running longest
  d.begin(2, 3, start + 10ms);
  const std::vector<Expiry> seen = r.wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].node, 2u);
  EXPECT_TRUE(seen[0].whole_run);
}

TEST(Deadlines, AWholeRunLimitWithNothingRunningSaysSo) {
  Recorder r;
  Deadlines d({.run = 10ms, .task = 0ns}, 1, Clock::now(), r.callback());
  const std::vector<Expiry> seen = r.wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].node, Deadlines::kNone);
  EXPECT_TRUE(seen[0].whole_run);
}

TEST(Deadlines, TasksThatEndInTimeExpireNothingAndTheWatcherStopsAtOnce) {
  Recorder r;
  const auto start = Clock::now();
  auto d = std::make_unique<Deadlines>(Limits{.run = 10s, .task = 2s}, 2, start, r.callback());
  for (NodeId n = 0; n < 20; ++n) {
    d->begin(n % 2, n, Clock::now());
    std::this_thread::sleep_for(1ms);
    d->end(n % 2);
  }
  const auto before = Clock::now();
  d.reset();  // a limit of 10 s must not keep the destructor waiting
  EXPECT_LT(Clock::now() - before, 1s);
  EXPECT_TRUE(r.wait_for(1, 0ms).empty());
}

// The processes scheduler's wait: it returns as soon as the answer is there, gives up after
// kSpin, and yields (rather than spins) while the peer is on its CPU.
TEST(SpinForPeer, ReturnsWhenReadyGivesUpAfterItsSpinAndYieldsToAPeerOnItsCpu) {
  std::atomic<int32_t> my_cpu{-1};
  EXPECT_TRUE(processes::spin_for_peer([] { return true; }, [] { return false; }, my_cpu));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(processes::spin_for_peer([] { return false; }, [] { return false; }, my_cpu));
  EXPECT_GE(std::chrono::steady_clock::now() - start, processes::kSpin);
  EXPECT_GE(my_cpu.load(), 0);  // published while it waited
  int asked = 0, looked = 0;
  const bool got = processes::spin_for_peer([&] { return ++looked > 3; },
                                            [&] {
                                              ++asked;
                                              return true;  // the peer shares this CPU
                                            },
                                            my_cpu);
  // Each look after a yield asks again at once instead of spinning 63 times in between. (A
  // loaded machine may give the CPU back after kSpin has passed: then it gave up on that look.)
  EXPECT_EQ(asked, got ? 3 : looked - 1);
}

}  // namespace
}  // namespace schedlab
