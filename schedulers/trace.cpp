#include "schedlab/schedulers/trace.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace schedlab {

void TraceRecorder::run_started(const RunInfo& info) {
  per_worker_.assign(info.workers, {});
}

std::vector<TaskEvent> TraceRecorder::events() const {
  std::vector<TaskEvent> all;
  for (const auto& w : per_worker_) all.insert(all.end(), w.begin(), w.end());
  std::sort(all.begin(), all.end(),
            [](const TaskEvent& a, const TaskEvent& b) { return a.start < b.start; });
  return all;
}

std::string trace_to_json(const Graph& graph, const ComputeResult& result) {
  // Chrome's Trace Event format ("X" complete events), so a trace opens in Perfetto or
  // chrome://tracing as it is; our own fields ride along.
  auto us = [&](Clock::time_point t) {
    return std::chrono::duration<double, std::micro>(t - result.start).count();
  };
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (const TaskEvent& e : result.trace) {
    events.push_back(
        {{"name", std::string(graph.key(e.node))},
         {"cat", graph.op(e.node)->name},
         {"ph", "X"},
         {"ts", us(e.start)},
         {"dur", us(e.end) - us(e.start)},
         {"pid", e.pid},
         {"tid", e.worker},
         {"args", {{"lock_wait_ms", e.lock_wait_ms}, {"gil_wait_ms", e.gil_wait_ms}}}});
  }
  nlohmann::ordered_json doc;
  doc["schedlab_trace_version"] = 1;
  doc["scheduler"] = result.scheduler;
  doc["workers"] = result.workers;
  doc["wall_ms"] = result.stats.wall_ms;
  doc["displayTimeUnit"] = "ms";
  doc["traceEvents"] = std::move(events);
  return doc.dump(1) + "\n";
}

}  // namespace schedlab
