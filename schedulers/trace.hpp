// Tracing: an observer that records every task, and the trace file it becomes.
#pragma once

#include <string>
#include <vector>

#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/observer.hpp"

namespace schedlab {

// Records every task as a TaskEvent, one buffer per worker.
class TraceRecorder final : public Observer {
 public:
  void run_started(const RunInfo& info) override;
  void task_finished(const TaskEvent& e) override { per_worker_[e.worker].push_back(e); }
  // All events of the last run, sorted by start time.
  std::vector<TaskEvent> events() const;

 private:
  std::vector<std::vector<TaskEvent>> per_worker_;
};

// The trace of a run as JSON in Chrome's Trace Event format (opens in Perfetto), times in
// microseconds from the start of the run, worker ids as thread ids.
std::string trace_to_json(const Graph& graph, const ComputeResult& result);

}  // namespace schedlab
