#include "schedlab/core/gil.hpp"

#include <new>

namespace schedlab {
namespace {
thread_local bool t_holding = false;
thread_local std::chrono::steady_clock::time_point t_since;
thread_local std::chrono::nanoseconds t_waited{0};
thread_local std::vector<GilWaitSpan>* t_log = nullptr;
}  // namespace

GilWaitLog::GilWaitLog(std::vector<GilWaitSpan>* into) : previous_(t_log) {
  t_log = into;
}

GilWaitLog::~GilWaitLog() {
  t_log = previous_;
}

Gil& Gil::process() {
  static Gil* gil = new Gil();  // never destroyed: threads may still hold it at exit
  return *gil;
}

void Gil::acquire() {
  const auto asked = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  const uint64_t ticket = next_ticket_++;
  turn_.wait(lock, [&] { return serving_ == ticket; });
  t_holding = true;
  t_since = std::chrono::steady_clock::now();
  t_waited += t_since - asked;
  lock.unlock();
  if (t_log && t_since - asked >= kLoggedGilWait) {
    try {
      t_log->push_back({asked, t_since});
    } catch (const std::bad_alloc&) {  // the GIL is held: a wait not drawn is the lesser harm
    }
  }
}

std::chrono::nanoseconds gil_wait_of_this_thread() {
  return t_waited;
}

void Gil::release() {
  {
    std::lock_guard lock(mutex_);
    ++serving_;
    t_holding = false;
  }
  turn_.notify_all();
}

GilScope::GilScope(bool on) : on_(on) {
  if (on_) Gil::process().acquire();
}

GilScope::~GilScope() {
  if (on_) Gil::process().release();
}

void gil_checkpoint() {
  if (!t_holding) return;
  if (std::chrono::steady_clock::now() - t_since < kGilSwitchInterval) return;
  Gil& gil = Gil::process();
  {
    std::lock_guard lock(gil.mutex_);
    if (gil.next_ticket_ == gil.serving_ + 1) {  // nobody waits: keep it
      t_since = std::chrono::steady_clock::now();
      return;
    }
  }
  gil.release();
  gil.acquire();  // back of the queue: every waiting thread gets a turn first
}

}  // namespace schedlab
