// What the schedulers of worker processes (processes, distributed) share about handing out
// tasks, named once: both batch short tasks the same way. (The first step of one remote
// dispatcher for both; see docs/ARCHITECTURE.md.)
#pragma once

namespace schedlab::remote {

// While the tasks a worker ran were short on average (below kShortTaskUs), up to kMaxBatch of
// them are in flight per worker thread, so that a message carries many; longer tasks go one at
// a time, so that none waits behind another on a busy worker while others are idle.
inline constexpr unsigned kMaxBatch = 64;
inline constexpr double kShortTaskUs = 20;

}  // namespace schedlab::remote
