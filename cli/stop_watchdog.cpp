#include "schedlab/cli/stop_watchdog.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <iostream>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/reports/reporter.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::cli {
namespace {
std::mutex g_words_mutex;
std::function<void()> g_last_words;
}  // namespace

void StopWatchdog::set_last_words(std::function<void()> words) {
  std::lock_guard lock(g_words_mutex);
  g_last_words = std::move(words);
}

StopWatchdog::StopWatchdog() {
  if (pipe2(done_, O_CLOEXEC) != 0) return;  // no watchdog; cooperative stops still work
  thread_ = std::thread([this] { watch(); });
}

StopWatchdog::~StopWatchdog() {
  if (!thread_.joinable()) return;
  (void)!write(done_[1], "x", 1);
  thread_.join();
  close(done_[0]);
  close(done_[1]);
}

void StopWatchdog::watch() {
  char drain[64];
  for (;;) {
    // The signal pipe stays readable once written; the timeout pipe is ours to drain.
    pollfd fds[3] = {{interrupt_fd(), POLLIN, 0}, {timeout_fd(), POLLIN, 0}, {done_[0], POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) continue;
    if (fds[2].revents) return;
    if (fds[1].revents) {
      while (read(fds[1].fd, drain, sizeof drain) > 0) {
      }
    }
    if (interrupt_signal() == 0 && unfinished_timeout().empty()) {
      usleep(1000);  // a stale wake-up (a cleared stop): do not spin on it
      continue;
    }
    pollfd done{done_[0], POLLIN, 0};
    if (poll(&done, 1, static_cast<int>(kGrace.count())) > 0) return;
    const int signal = interrupt_signal();
    const std::string timeout = unfinished_timeout();
    if (signal == 0 && timeout.empty()) continue;  // the run that timed out has ended
    // No task running: the command is writing its reports or cleaning up, which it finishes.
    if (!run_in_progress()) {
      if (poll(&done, 1, 100) > 0) return;
      continue;
    }
    // Paused before the last words: what cannot be stopped (ranks starting) leaves them the CPU.
    const char* busy = unstoppable_now(/*pause=*/true);
    {
      std::lock_guard lock(g_words_mutex);
      if (g_last_words) {
        try {
          g_last_words();
        } catch (const std::exception& e) {
          std::cerr << "schedlab: error: could not write the reports: " << printable(e.what())
                    << "\n";
        }
      }
    }
    reports::hold_report_writes();  // the run's own last write, if it began, ends first
    const std::string why = signal ? describe_stop(signal) : timeout;
    if (busy) {
      std::cerr << fmt::format(
          "schedlab: error: {}; {} cannot be cut short, so schedlab ends it and exits\n",
          printable(why), busy);
    } else {
      std::cerr << fmt::format(
          "schedlab: error: {}; a task did not stop within {} ms (a thread cannot be killed), "
          "so schedlab exits without waiting for it\n",
          printable(why), kGrace.count());
    }
    SchedulerRegistry::global().before_forced_exit();
    _exit(signal ? exit_code_for_stop(signal) : kTimeoutExitCode);
  }
}

}  // namespace schedlab::cli
