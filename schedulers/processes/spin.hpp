// How the parent and the workers wait for each other before they sleep on a Bell.
//
// Spinning is what makes a chain fast (a hand-off in under a microsecond instead of a futex
// wake-up), and what ruined it when the two processes share one CPU: a process spinning for a
// peer queued behind it on the same CPU burns the time the peer needs, so every hand-off cost
// the whole spin. That happens whenever the machine is busy (the kernel balances two spinners
// on one CPU against two busy loops on the other) or has one CPU. Measured: a 200,000-task
// chain under two busy loops with everything on one CPU took 32 s, 1.1 s with the rule below.
//
// The rule: each side publishes the CPU it is on (sched_getcpu, a vDSO call of a few ns) while
// it waits or works, and a waiter whose peer is on its own CPU yields instead of spinning, so
// the peer runs at once.
#pragma once

#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "schedlab/schedulers/cpu_relax.hpp"

namespace schedlab::processes {

inline constexpr std::chrono::microseconds kSpin{50};  // a chain's answer comes in about 1 us

// The CPU this thread runs on now, for a peer to read. Written only when it changed: the
// peer reads the line while it spins, and a write would take it away from it each time.
inline void publish_cpu(std::atomic<int32_t>& cpu) {
  const int32_t now = sched_getcpu();
  if (cpu.load(std::memory_order_relaxed) != now) cpu.store(now, std::memory_order_relaxed);
}

// Spins until ready() (true) or kSpin has passed (false), republishing this side's CPU in
// `my_cpu` and yielding the CPU whenever peer_here() says the peer is on it.
template <class Ready, class PeerHere>
bool spin_for_peer(Ready&& ready, PeerHere&& peer_here, std::atomic<int32_t>& my_cpu) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (unsigned i = 0;; ++i) {
    if (ready()) return true;
    if (i % 64 == 0) {
      publish_cpu(my_cpu);
      if (std::chrono::steady_clock::now() > until) return false;
      if (peer_here()) {
        sched_yield();
        i = 63;  // look again at once, not after 63 more spins: the peer needs this CPU
        continue;
      }
    }
    cpu_relax();
  }
}

}  // namespace schedlab::processes
