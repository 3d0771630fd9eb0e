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
  void span(const SpanEvent& s) override {
    auto& lane = s.worker == kSchedulerLane ? spans_.back() : spans_[s.worker];
    lane.push_back(s);
  }
  // All events of the last run, sorted by start time.
  std::vector<TaskEvent> events() const;
  std::vector<SpanEvent> spans() const;

 private:
  std::vector<std::vector<TaskEvent>> per_worker_;
  std::vector<std::vector<SpanEvent>> spans_;  // per worker, then the scheduler's lane
};

// The trace of a run as JSON in Chrome's Trace Event format (opens in Perfetto), times in
// microseconds from the start of the run, worker ids as thread ids.
std::string trace_to_json(const Graph& graph, const ComputeResult& result);

}  // namespace schedlab
