// The last resort of a stop. Ctrl-C, SIGTERM and timeouts stop a run cooperatively: sleeps are
// cut short, built-in ops look at the stop flag, worker processes are told to stop. User code
// running in a thread of this process may never look, and a thread cannot be killed; so when a
// stop has not ended the command within kGrace and a scheduler is still running tasks (not while
// the command writes its reports or cleans up), the watchdog writes what the command asks for
// (last words: the reports measured so far), removes this process's shared memory and exits
// with the stop's status (130, 143 or 124), without waiting for that thread.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

namespace schedlab::cli {

inline constexpr std::chrono::milliseconds kGrace{700};

class StopWatchdog {
 public:
  StopWatchdog();
  ~StopWatchdog();  // the command ended: stand down
  StopWatchdog(const StopWatchdog&) = delete;
  StopWatchdog& operator=(const StopWatchdog&) = delete;

  // What to write before a forced exit; called from the watchdog's thread, once.
  static void set_last_words(std::function<void()> words);

 private:
  void watch();
  int done_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace schedlab::cli
