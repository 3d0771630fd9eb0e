// Ctrl-C and SIGTERM: a flag that runs poll, so that an interrupted run stops starting tasks,
// lets running ones finish, cleans up (worker processes, shared memory) and reports what it has.
#pragma once

#include <atomic>

namespace schedlab {

namespace detail {
extern std::atomic<int> g_interrupt_signal;  // lock-free, so a signal handler may set it
}  // namespace detail

// Inline: schedulers poll it once per task.
inline bool interrupt_requested() {
  return detail::g_interrupt_signal.load(std::memory_order_relaxed) != 0;
}
void request_interrupt();
void clear_interrupt();
// Installs SIGINT/SIGTERM handlers that set the flag; a second SIGINT exits at once (130).
void install_interrupt_handlers();
// The signal that set the flag (SIGINT or SIGTERM), 0 if none.
int interrupt_signal();

}  // namespace schedlab
