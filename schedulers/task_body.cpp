#include "schedlab/schedulers/task_body.hpp"

#include <chrono>
#include <mutex>
#include <thread>

#include "schedlab/core/gil.hpp"

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

Value run_task_body(const Op& op, ArgSpan args, const TaskOptions& options,
                    const TaskLocks& locks) {
  TaskLock* held = options.lock == LockKind::process  ? locks.process
                   : options.lock == LockKind::global ? locks.global
                                                      : nullptr;
  if (held) held->lock();
  Unlocker release{held};
  if (options.sleep_us && !locks.skip_sleep)
    std::this_thread::sleep_for(std::chrono::microseconds(options.sleep_us));
  GilScope gil(locks.gil);
  return op.fn(args);
}

}  // namespace schedlab
