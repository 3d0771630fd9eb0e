// Stopping a run early: Ctrl-C, SIGTERM, or a timeout. One process-wide flag that schedulers
// poll once per task and that long task bodies poll as they go, plus a wake-up that sleeping
// tasks and watchdogs wait on, so that a stop takes effect within milliseconds whatever the
// tasks are doing (a task sleeping 3 s does not hold the run for 3 s).
#pragma once

#include <atomic>
#include <chrono>
#include <string>

namespace schedlab {

// Why a run was asked to stop: SIGINT, SIGTERM, SIGHUP, or kStopTimeout. 0 while it was not.
inline constexpr int kStopTimeout = -1;

namespace detail {
extern std::atomic<int> g_interrupt_signal;  // lock-free, so a signal handler may set it
}  // namespace detail

// Inline: schedulers poll it once per task.
inline bool interrupt_requested() {
  return detail::g_interrupt_signal.load(std::memory_order_relaxed) != 0;
}
// Asks the run to stop (as SIGINT would, unless `reason` says otherwise) and wakes every
// interruptible sleep. The first reason wins, except that a signal replaces a timeout (Ctrl-C
// always wins). A timeout stops every run of the process, not only the one that timed out.
void request_interrupt(int reason = 0);
// A timeout: the run stops with `message` (which task ran too long) as its error.
void request_timeout(const std::string& message);
std::string timeout_message();
// Ends a stop whose reason is a timeout (the timed-out run has ended); leaves signals alone.
void clear_timeout();
void clear_interrupt();
// Installs SIGINT/SIGTERM/SIGHUP handlers that set the flag; a second signal exits at once
// (128 + the signal: 130, 143, 129).
void install_interrupt_handlers();
// The reason the flag was set (SIGINT, SIGTERM, SIGHUP or kStopTimeout), 0 if none.
int interrupt_signal();
// What stopped the run, for messages: "interrupted", "terminated (SIGTERM)", "hung up (SIGHUP)",
// or the timeout's message.
std::string describe_stop(int reason);
// The exit status a stop with this reason ends with: 128 + the signal (130, 143, 129), or 124.
int exit_code_for_stop(int reason);

// Sleeps for `d`, or less if a stop is requested meanwhile. Returns false when it was cut short.
bool sleep_unless_interrupted(std::chrono::nanoseconds d);
// A descriptor that becomes readable when a stop is requested (for poll()); never read it.
int interrupt_fd();
// In a forked child: a flag and wake-up of its own, not shared with the parent's.
void reset_interrupt_after_fork();

// Whether a scheduler is running tasks now (compute() marks it). The stop watchdog only acts
// then: at any other time the process is doing its own work (writing reports, cleaning up).
void mark_run(bool started);
bool run_in_progress();

}  // namespace schedlab
