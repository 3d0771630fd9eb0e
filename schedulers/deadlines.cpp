#include "schedlab/schedulers/deadlines.hpp"

#include <algorithm>

namespace schedlab {

Deadlines::Deadlines(Limits limits, unsigned workers, Clock::time_point start, Expired expired)
    : limits_(limits),
      slots_(new Slot[workers]),
      workers_(workers),
      start_(start),
      expired_(std::move(expired)) {
  thread_ = std::thread([this] { watch(); });
}

Deadlines::~Deadlines() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

void Deadlines::watch() {
  using std::chrono::milliseconds;
  auto shortest = limits_.run.count() > 0 && limits_.task.count() > 0
                      ? std::min(limits_.run, limits_.task)
                      : std::max(limits_.run, limits_.task);
  const auto period = std::clamp<Clock::duration>(shortest / 10, milliseconds(1), milliseconds(10));
  std::unique_lock lock(mutex_);
  while (!stop_.wait_for(lock, period, [this] { return stopping_; })) {
    const Clock::time_point now = Clock::now();
    NodeId longest = kNone;
    Clock::duration longest_ran{0};
    for (unsigned w = 0; w < workers_; ++w) {
      NodeId n = slots_[w].node.load(std::memory_order_acquire);
      if (n == kNone) continue;
      const Clock::duration ran =
          now -
          Clock::time_point(Clock::duration(slots_[w].since_ns.load(std::memory_order_relaxed)));
      if (limits_.task.count() > 0 && ran > limits_.task) {
        expired_(n, false, ran);
        return stop_.wait(lock, [this] { return stopping_; });
      }
      if (longest == kNone || ran > longest_ran) {
        longest = n;
        longest_ran = ran;
      }
    }
    if (limits_.run.count() > 0 && now - start_ > limits_.run) {
      expired_(longest, true, longest_ran);
      // Waits to be joined rather than ending: a process that leaves without waiting for a
      // task (cli/stop_watchdog.hpp) must not leave a finished, unjoined thread behind.
      return stop_.wait(lock, [this] { return stopping_; });
    }
  }
}

}  // namespace schedlab
