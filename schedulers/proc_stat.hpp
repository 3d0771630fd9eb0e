// One reader of /proc/<pid>/stat, for the resource sampler (CPU time and RSS of workers) and
// for the watchdogs of worker processes and ranks (stopped? whose child? how did it exit?).
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace schedlab {

struct ProcStat {
  bool read = false;  // false: no such process (it ended), or /proc could not be read
  char state = 0;     // 'R', 'S', 'D' in the kernel, 'T' stopped, 'Z' a zombie...
  pid_t parent = 0;
  double cpu_ms = 0;  // user + system, at clock-tick resolution (10 ms)
  uint64_t rss_bytes = 0;
  int exit_status = 0;  // as waitpid gives it, once the process has exited (a zombie)
};

// Never throws: a process that ended while it was read gives `read == false`.
ProcStat read_proc_stat(pid_t pid);
// One thread of this process (its CPU time; its RSS is the process's).
ProcStat read_thread_stat(pid_t tid);

}  // namespace schedlab
