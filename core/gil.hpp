// An emulated global interpreter lock, to show in C++ what Python's GIL does to threads.
//
// One per process. A task running with the GIL on holds it while its op computes and not
// while it sleeps (time.sleep releases the GIL too). As CPython hands the GIL over every
// switch interval (5 ms), a thread that has held it that long gives it up at its next
// checkpoint if another thread is waiting; CPU-bound ops (fib, busy) call gil_checkpoint().
// Hand-over is first come, first served (a ticket lock), so waiting threads take turns.
// Threads of one process therefore compute one at a time; separate processes do not contend.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace schedlab {

inline constexpr std::chrono::milliseconds kGilSwitchInterval{5};

class Gil {
 public:
  static Gil& process();  // this process's GIL
  void acquire();
  void release();

 private:
  friend void gil_checkpoint();
  std::mutex mutex_;
  std::condition_variable turn_;
  uint64_t next_ticket_ = 0, serving_ = 0;
};

// Holds the process's GIL for a scope (does nothing when `on` is false).
class GilScope {
 public:
  explicit GilScope(bool on);
  ~GilScope();
  GilScope(const GilScope&) = delete;
  GilScope& operator=(const GilScope&) = delete;

 private:
  bool on_;
};

// One wait of a thread for the GIL, for timelines.
struct GilWaitSpan {
  std::chrono::steady_clock::time_point start, end;
};

// While alive, this thread's waits for the GIL of kLoggedGilWait or more are appended to `into`
// (null: none), so that a timeline can draw each hand-over where it happened.
inline constexpr std::chrono::microseconds kLoggedGilWait{20};
class GilWaitLog {
 public:
  explicit GilWaitLog(std::vector<GilWaitSpan>* into);
  ~GilWaitLog();
  GilWaitLog(const GilWaitLog&) = delete;
  GilWaitLog& operator=(const GilWaitLog&) = delete;

 private:
  std::vector<GilWaitSpan>* previous_;
};

// Time this thread has spent waiting for the GIL, in total (task bodies take the difference).
std::chrono::nanoseconds gil_wait_of_this_thread();

// Called by long-running ops: hands the GIL over if this thread has held it for a switch
// interval and another thread waits. Cheap (a thread-local test) when the GIL is off.
void gil_checkpoint();

}  // namespace schedlab
