#include "schedlab/schedulers/trace.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace schedlab {

void TraceRecorder::run_started(const RunInfo& info) {
  per_worker_.assign(info.workers, {});
  spans_.assign(info.workers + 1, {});
}

namespace {
template <class Event>
std::vector<Event> by_start(const std::vector<std::vector<Event>>& lanes) {
  std::vector<Event> all;
  for (const auto& lane : lanes) all.insert(all.end(), lane.begin(), lane.end());
  std::sort(all.begin(), all.end(),
            [](const Event& a, const Event& b) { return a.start < b.start; });
  return all;
}
}  // namespace

std::vector<TaskEvent> TraceRecorder::events() const {
  return by_start(per_worker_);
}

std::vector<SpanEvent> TraceRecorder::spans() const {
  return by_start(spans_);
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
  // Spans (GIL waits, encoding and decoding) as events of their lane; the scheduling process's
  // lane is thread -1 of this process.
  std::map<unsigned, int> pid_of;  // a worker's process, from its tasks
  for (const TaskEvent& e : result.trace) pid_of.emplace(e.worker, e.pid);
  for (const SpanEvent& s : result.spans) {
    const bool scheduler = s.worker == kSchedulerLane;
    events.push_back({{"name", std::string(graph.key(s.node))},
                      {"cat", kind_name(s.kind)},
                      {"ph", "X"},
                      {"ts", us(s.start)},
                      {"dur", us(s.end) - us(s.start)},
                      {"pid", scheduler ? static_cast<int>(getpid()) : pid_of[s.worker]},
                      {"tid", scheduler ? -1 : static_cast<int>(s.worker)}});
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
