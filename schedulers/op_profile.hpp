// Time per op over a run, as IPython's %prun gives time per function: how many tasks each op ran,
// how long they took, and how much of that they spent waiting for their lock or for the GIL
// rather than working. On threads under the GIL the time of a CPU-bound op goes to waiting; on
// sync, to the op itself.
#pragma once

#include <string>
#include <vector>

#include "schedlab/schedulers/observer.hpp"

namespace schedlab {

struct OpTimes {
  std::string op;
  uint64_t calls = 0;
  double total_ms = 0;  // from each task's start to its end, waits included
  double lock_wait_ms = 0, gil_wait_ms = 0;
  double working_ms() const { return total_ms - lock_wait_ms - gil_wait_ms; }
  void add(const OpTimes& other) {
    calls += other.calls;
    total_ms += other.total_ms;
    lock_wait_ms += other.lock_wait_ms;
    gil_wait_ms += other.gil_wait_ms;
  }
};

// Drops the ops that ran no task and sorts the rest by total time, longest first (as %prun).
void longest_first(std::vector<OpTimes>& ops);

// Records the ops' times of the runs it observes (one table for all of them); tasks that
// failed count too. Workers add to their own tables, so it costs no lock per task.
class OpProfiler final : public Observer {
 public:
  void run_started(const RunInfo& info) override;
  void task_finished(const TaskEvent& e) override;
  // The ops by total time, longest first.
  std::vector<OpTimes> table() const;

 private:
  const Graph* graph_ = nullptr;
  std::vector<std::vector<OpTimes>> per_worker_;  // indexed by op id
  std::vector<OpTimes> earlier_;                  // earlier runs, indexed by op id
};

}  // namespace schedlab
