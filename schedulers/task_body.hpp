// Running one task's body: take its lock, sleep, run its op. Shared by every scheduler, in the
// calling process and in worker processes alike, so that `lock` and `sleep_ms` mean the same
// thing everywhere.
#pragma once

#include <vector>

#include "schedlab/core/gil.hpp"
#include "schedlab/core/graph.hpp"
#include "schedlab/core/ops.hpp"

namespace schedlab {

// A lock a task can hold. The in-process implementations are plain mutexes; the processes
// scheduler supplies a robust mutex in shared memory for `global`.
class TaskLock {
 public:
  virtual ~TaskLock() = default;
  virtual void lock() = 0;
  virtual void unlock() = 0;
};

// The locks of this process: `process` is one mutex per process; `global` defaults to another
// process-wide mutex, which is the right thing for every scheduler that runs in one process.
// `gil`: whether ops run under the emulated interpreter lock (core/gil.hpp).
struct TaskLocks {
  TaskLock* process;
  TaskLock* global;
  bool gil = false;
  bool skip_sleep = false;  // calibration: measure compute alone
  static TaskLocks in_process();
};

// Time a task spent waiting rather than working: for its lock, and for the GIL.
struct TaskWaits {
  double lock_ms = 0, gil_ms = 0;
  bool keep_gil_spans = true;               // (a traced run's)
  std::vector<GilWaitSpan> gil_spans = {};  // each wait for the GIL (core/gil.hpp), if kept
};

// Holds the task's lock (if any) while sleeping sleep_ms (cut short by a stop request, which
// throws Interrupted) and then running the op; with the
// GIL on, holds the GIL too while (and only while) the op runs. Exceptions from the op
// propagate to the caller. With `waits`, measures the waiting (clock reads only where there is
// a lock or a GIL to wait for).
Value run_task_body(const Op& op, ArgSpan args, const TaskOptions& options, const TaskLocks& locks,
                    TaskWaits* waits = nullptr);

}  // namespace schedlab
