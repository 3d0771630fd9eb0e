// Stopping a run early: Ctrl-C, SIGTERM, or a timeout. A process-wide flag for signals and a
// per-run one for timeouts, that schedulers poll once per task and long task bodies poll as they
// go, each with a wake-up that sleeping tasks and watchdogs wait on, so that a stop takes effect
// within milliseconds whatever the tasks are doing (a task sleeping 3 s does not hold the run
// for 3 s).
#pragma once

#include <atomic>
#include <chrono>
#include <string>

namespace schedlab {

// Why the process was asked to stop: SIGINT, SIGTERM or SIGHUP. 0 while it was not.
namespace detail {
extern std::atomic<int> g_interrupt_signal;  // lock-free, so a signal handler may set it
}  // namespace detail

// One run's own stop: its --timeout or --task-timeout passed. Unlike a signal, it stops only
// that run: the tasks of a run see it on the thread that runs them (RunStopScope), and a
// library running several computes at once keeps the others going.
class RunStop {
 public:
  RunStop();
  ~RunStop();
  RunStop(const RunStop&) = delete;
  RunStop& operator=(const RunStop&) = delete;

  // Stops the run with `message` (the first call wins) and wakes its interruptible sleeps.
  void request(const std::string& message);
  bool requested() const { return requested_.load(std::memory_order_acquire); }
  int fd() const { return pipe_[0]; }  // readable once requested (-1: no pipe; poll the flag)

 private:
  std::atomic<bool> requested_{false};
  int pipe_[2] = {-1, -1};
};

namespace detail {
extern constinit thread_local const RunStop* t_run_stop;
}  // namespace detail

// While alive, the tasks this thread runs belong to the run `stop` stops. nullptr (a run with
// no limits) keeps whatever run is around it: a compute started inside a task still stops at
// the outer run's timeout.
class RunStopScope {
 public:
  // Free without a stop (no thread-local touched): it sits on the per-task path.
  explicit RunStopScope(const RunStop* stop) : stop_(stop) {
    if (stop_) {
      saved_ = detail::t_run_stop;
      detail::t_run_stop = stop_;
    }
  }
  ~RunStopScope() {
    if (stop_) detail::t_run_stop = saved_;
  }
  RunStopScope(const RunStopScope&) = delete;
  RunStopScope& operator=(const RunStopScope&) = delete;

 private:
  const RunStop* stop_;
  const RunStop* saved_ = nullptr;
};

// Whether a signal asked the process to stop. Schedulers poll it once per task.
inline bool signal_requested() {
  return detail::g_interrupt_signal.load(std::memory_order_relaxed) != 0;
}
// Whether the task running on this thread should stop: a signal, or its run's timeout. Long
// task bodies poll it as they go.
inline bool interrupt_requested() {
  const RunStop* run = detail::t_run_stop;
  return signal_requested() || (run && run->requested());
}
// Asks the process to stop (as SIGINT would, unless `signal` says otherwise) and wakes every
// interruptible sleep. The first signal wins.
void request_interrupt(int signal = 0);
void clear_interrupt();

// Runs that timed out and have not ended (a task that ignores the stop keeps its run from
// ending), for the watchdog that then exits the process: the first one's message, or "".
std::string unfinished_timeout();
// Readable whenever a run times out (for poll(); its one reader, the CLI's watchdog, drains it
// and then looks at unfinished_timeout()).
int timeout_fd();
// Installs SIGINT/SIGTERM/SIGHUP handlers that set the flag; a second signal exits at once
// (128 + the signal: 130, 143, 129).
void install_interrupt_handlers();
// The signal that asked to stop (SIGINT, SIGTERM, SIGHUP), 0 if none.
int interrupt_signal();
// What stopped the run, for messages: "interrupted", "terminated (SIGTERM)", "hung up (SIGHUP)".
std::string describe_stop(int signal);
// The exit status a stop by this signal ends with: 128 + the signal (130, 143, 129).
int exit_code_for_stop(int signal);
inline constexpr int kTimeoutExitCode = 124;

// Sleeps for `d`, or less if a stop is requested meanwhile (a signal, or the timeout of the
// run this thread's task belongs to). Returns false when it was cut short.
bool sleep_unless_interrupted(std::chrono::nanoseconds d);
// A descriptor that becomes readable when a signal asks to stop (for poll()); never read it.
int interrupt_fd();
// In a forked child: a flag and wake-up of its own, not shared with the parent's.
void reset_interrupt_after_fork();

// Whether a scheduler is running tasks now (compute() marks it). The stop watchdog only acts
// then: at any other time the process is doing its own work (writing reports, cleaning up).
void mark_run(bool started);
bool run_in_progress();

// While alive, this process does something a stop cannot cut short (Open MPI starting worker
// ranks): the stop watchdog counts it as a run in progress, so that a stop still ends the
// process after the watchdog's grace, and says `what` was going on. `what` must outlive it.
// `pause` (may be null) is what the watchdog calls first, before it writes the reports: e.g.
// freezing the processes being started, so that they leave the CPU to the reports.
class UnstoppableScope {
 public:
  explicit UnstoppableScope(const char* what, void (*pause)() = nullptr);
  ~UnstoppableScope();
  UnstoppableScope(const UnstoppableScope&) = delete;
  UnstoppableScope& operator=(const UnstoppableScope&) = delete;

 private:
  const char* outer_what_;  // of a scope around this one (restored at its end)
  void (*outer_pause_)();
};
// What an UnstoppableScope says, or nullptr; pauses it first (its `pause`) when asked to.
const char* unstoppable_now(bool pause = false);

}  // namespace schedlab
