#include "schedlab/schedulers/task_body.hpp"

#include <chrono>
#include <mutex>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/gil.hpp"
#include "schedlab/core/interrupt.hpp"

namespace schedlab {
namespace {

class MutexLock final : public TaskLock {
 public:
  void lock() override { m_.lock(); }
  void unlock() override { m_.unlock(); }

 private:
  std::mutex m_;
};

struct Unlocker {
  TaskLock* lock;
  ~Unlocker() {
    if (lock) lock->unlock();
  }
};

}  // namespace

TaskLocks TaskLocks::in_process() {
  static MutexLock process_lock, global_lock;
  return TaskLocks{&process_lock, &global_lock};
}

Value run_task_body(const Op& op, ArgSpan args, const TaskOptions& options, const TaskLocks& locks,
                    TaskWaits* waits) {
  using Ms = std::chrono::duration<double, std::milli>;
  TaskLock* held = options.lock == LockKind::process  ? locks.process
                   : options.lock == LockKind::global ? locks.global
                                                      : nullptr;
  if (held) {
    const auto asked = std::chrono::steady_clock::now();
    held->lock();
    if (waits) waits->lock_ms = Ms(std::chrono::steady_clock::now() - asked).count();
  }
  Unlocker release{held};
  if (options.sleep_us && !locks.skip_sleep &&
      !sleep_unless_interrupted(std::chrono::microseconds(options.sleep_us))) {
    throw Interrupted();
  }
  if (!locks.gil) return op.call(args);
  // Waits for the GIL happen at the start and at every hand-over inside the op.
  struct GilWait {
    TaskWaits* waits;
    std::chrono::nanoseconds before = gil_wait_of_this_thread();
    ~GilWait() {
      if (waits) waits->gil_ms = Ms(gil_wait_of_this_thread() - before).count();
    }
  } measured{waits};
  GilWaitLog log(waits && waits->keep_gil_spans ? &waits->gil_spans : nullptr);
  GilScope gil(true);
  return op.call(args);
}

}  // namespace schedlab
